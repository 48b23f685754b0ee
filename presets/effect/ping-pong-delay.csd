<CsoundSynthesizer>
<CsInstruments>
; Csound Effect's built-in effect: a stereo ping-pong delay with a darkening feedback path.
; Every chn_k line is a plugin parameter (see presets/instrument/poly-synth.csd for the fields).
sr = 48000
ksmps = 32
nchnls = 2
nchnls_i = 2
0dbfs = 1

chn_k "time",     1, 3, 350,  10,  2000,  0, 0, 0, 0, "label=Time; unit=ms; group=Delay"
chn_k "feedback", 1, 2, 0.4,  0,   0.95,  0, 0, 0, 0, "label=Feedback; group=Delay"
chn_k "spread",   1, 2, 0.3,  0,   1,     0, 0, 0, 0, "label=Spread; group=Delay"
chn_k "tone",     1, 3, 5000, 200, 18000, 0, 0, 0, 0, "label=Tone; unit=Hz; group=Delay"
chn_k "mix",      1, 2, 0.35, 0,   1,     0, 0, 0, 0, "label=Mix; group=Output"

instr 1
  aL, aR ins
  ktime portk chnget:k("time"), 0.05
  kfb chnget "feedback"
  kspread chnget "spread"
  ktone chnget "tone"
  kmix chnget "mix"
  afbL init 0
  afbR init 0
  adL vdelay3 aL + afbR * kfb, a(ktime), 2500
  adR vdelay3 aR + afbL * kfb, a(ktime * (1 + 0.5 * kspread)), 3800
  afbL tone adL, ktone
  afbR tone adR, ktone
  ; the dry stays at unity up to Mix 0.5 while the echoes rise, then fades
  kdry = min(1, 2 * (1 - kmix))
  kwet = min(1, 2 * kmix)
  outs aL * kdry + afbL * kwet, aR * kdry + afbR * kwet
endin
</CsInstruments>
<CsScore>
i 1 0 z
</CsScore>
</CsoundSynthesizer>
