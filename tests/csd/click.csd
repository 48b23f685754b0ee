<CsoundSynthesizer>
<CsInstruments>
; A test instrument whose output is a flat level from the note's very first sample, held until
; note-off: onsets and automation can be measured to the frame. ksmps 32.
sr = 44100
ksmps = 32
nchnls = 2
0dbfs = 1

chn_k "level", 1, 2, 0.25, 0, 1, 0, 0, 0, 0, "label=Level"

instr 1
  klevel chnget "level"
  a1 upsamp klevel   ; held flat over the k-period (a() would ramp)
  outs a1, a1
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
