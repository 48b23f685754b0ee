<CsoundSynthesizer>
<CsOptions>
-d -m0
</CsOptions>
<CsInstruments>
; An additive oscillator bank: 16 slightly stretched partials, each with its own envelope
; and place in the stereo field, built by a recursive user-defined opcode.
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1

giSine ftgen 1, 0, 16384, 10, 1

opcode Partials, aa, iiiii
  ifund, iamp, idur, ipart, icount xin
  ienv = iamp / ipart
  aenv linseg 0, 0.01 * ipart, ienv, idur - 0.02 * ipart, ienv * 0.3, 0.01 * ipart, 0
  asig oscili aenv, ifund * ipart * (1 + 0.001 * ipart), giSine
  ipan = (ipart % 4) / 4
  aL = asig * sqrt(1 - ipan)
  aR = asig * sqrt(ipan)
  if ipart < icount then
    aL2, aR2 Partials ifund, iamp, idur, ipart + 1, icount
    aL += aL2
    aR += aR2
  endif
  xout aL, aR
endop

instr 1
  aL, aR Partials p4, p5, p3, 1, 16
  outs aL, aR
endin
</CsInstruments>
<CsScore>
i 1 0    1.5 110 0.2
i 1 0.25 1.0 165 0.15
i 1 0.9  0.8 220.5 0.12
</CsScore>
</CsoundSynthesizer>
