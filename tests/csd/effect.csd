<CsoundSynthesizer>
<CsInstruments>
; An effect: a stereo feedback delay with a filtered tap, processing the input.
sr = 48000
ksmps = 64
nchnls = 2
nchnls_i = 2
0dbfs = 1

instr 1
  aL, aR ins
  afbL init 0
  afbR init 0
  adL delay aL + afbR * 0.45, 0.0371
  adR delay aR + afbL * 0.45, 0.0529
  afbL tone adL, 3000
  afbR tone adR, 2500
  outs aL * 0.6 + adL * 0.4, aR * 0.6 + adR * 0.4
endin
</CsInstruments>
<CsScore>
i 1 0 1.2
</CsScore>
</CsoundSynthesizer>
