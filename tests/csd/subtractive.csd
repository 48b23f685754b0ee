<CsoundSynthesizer>
<CsInstruments>
; A filtered subtractive voice: two detuned saws and seeded noise into a resonant
; low-pass with an envelope, overlapping notes.
sr = 44100
ksmps = 16
nchnls = 2
0dbfs = 1

seed 42

instr 2
  icps = cpspch(p4)
  aenv madsr 0.02, 0.1, 0.6, 0.2
  asaw1 vco2 0.3, icps
  asaw2 vco2 0.3, icps * 1.007, 0
  anoise rand 0.05, 0.5
  kcut expseg 8000, p3, 300
  afilt moogladder asaw1 + asaw2 + anoise, kcut, 0.6
  aout = afilt * aenv
  outs aout, aout * 0.8
endin
</CsInstruments>
<CsScore>
i 2 0    1   8.00
i 2 0.3  1   8.04
i 2 0.6  1.2 8.07
i 2 0.61 0.5 9.00
</CsScore>
</CsoundSynthesizer>
