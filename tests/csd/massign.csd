<CsoundSynthesizer>
<CsPlugin>
notes = midi
</CsPlugin>
<CsInstruments>
; An orchestra written for a MIDI keyboard: Csound's own MIDI system assigns notes.
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1

massign 0, 2

instr 2
  icps cpsmidi
  iamp veloc 0, 0.5
  aenv madsr 0.005, 0.1, 0.8, 0.05
  a1 oscili iamp * aenv, icps
  outs a1, a1
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
