<CsoundSynthesizer>
<CsOptions>
-d -m0
</CsOptions>
<CsInstruments>
; An additive oscillator bank: 16 partials with their own envelopes, stereo spread.
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1

giSine ftgen 1, 0, 16384, 10, 1

instr 1
  ifund = p4
  iamp = p5
  aL = 0
  aR = 0
  ipart = 1
  loop:
    ienv = iamp / ipart
    aenv linseg 0, 0.01 * ipart, ienv, p3 - 0.02 * ipart, ienv * 0.3, 0.01 * ipart, 0
    asig oscili aenv, ifund * ipart * (1 + 0.001 * ipart), giSine
    ipan = (ipart % 4) / 4
    aL = aL + asig * sqrt(1 - ipan)
    aR = aR + asig * sqrt(ipan)
  loop_le ipart, 1, 16, loop
  outs aL, aR
endin
</CsInstruments>
<CsScore>
i 1 0    1.5 110 0.2
i 1 0.25 1.0 165 0.15
i 1 0.9  0.8 220.5 0.12
</CsScore>
</CsoundSynthesizer>
