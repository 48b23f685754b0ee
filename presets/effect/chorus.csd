<CsoundSynthesizer>
<CsInstruments>
; Stereo chorus / flanger: three modulated delay taps per side, their sine LFOs spread
; 120 degrees apart (and the right side a quarter turn behind the left), an optional
; feedback path through a one-pole tone filter (flanging at short delays), and a
; dry/wet mix. Mix 1 with no feedback gives pure vibrato.
; Every chn_k line is a plugin parameter (see presets/instrument/poly-synth.csd for the fields).
sr = 48000
ksmps = 32
nchnls = 2
nchnls_i = 2
0dbfs = 1

chn_k "rate",     1, 3, 0.6,  0.02, 8,     0, 0, 0, 0, "label=Rate; unit=Hz; group=Modulation"
chn_k "depth",    1, 2, 2.5,  0,    10,    0, 0, 0, 0, "label=Depth; unit=ms; group=Modulation"
chn_k "delay",    1, 3, 12,   0.5,  40,    0, 0, 0, 0, "label=Delay; unit=ms; group=Modulation"
chn_k "voices",   1, 1, 2,    0,    2,     0, 0, 0, 0, "label=Voices; steps=1|2|3; group=Modulation"
chn_k "feedback", 1, 2, 0,    -0.9, 0.9,   0, 0, 0, 0, "label=Feedback; group=Tone"
chn_k "tone",     1, 3, 9000, 500,  18000, 0, 0, 0, 0, "label=Tone; unit=Hz; group=Tone"
chn_k "width",    1, 2, 1,    0,    1,     0, 0, 0, 0, "label=Width; group=Output"
chn_k "mix",      1, 2, 0.5,  0,    1,     0, 0, 0, 0, "label=Mix; group=Output"

giSine ftgen 0, 0, 16384, 10, 1

instr 1
  aL, aR ins
  krate chnget "rate"
  kdepth portk chnget:k("depth"), 0.05
  kdel portk chnget:k("delay"), 0.05
  kvoices chnget "voices"
  kfb chnget "feedback"
  ktone chnget "tone"
  kwidth chnget "width"
  kmix chnget "mix"

  ; voice gains: voice 1 always, voices 2 and 3 when selected (smoothed, no clicks)
  kg2 portk (kvoices >= 1 ? 1 : 0), 0.05
  kg3 portk (kvoices >= 2 ? 1 : 0), 0.05
  knorm = 1 / (1 + kg2 + kg3)

  ; LFOs in milliseconds of delay; the modulation never goes below 0.1 ms
  aL1 oscili 1, krate, giSine, 0
  aL2 oscili 1, krate, giSine, 0.333
  aL3 oscili 1, krate, giSine, 0.667
  aR1 oscili 1, krate, giSine, 0.25
  aR2 oscili 1, krate, giSine, 0.583
  aR3 oscili 1, krate, giSine, 0.917
  ad = a(kdel)
  am = a(min(kdepth * 0.5, kdel * 0.87 - 0.1))
  afbL init 0
  afbR init 0
  ainL = aL + afbL * kfb
  ainR = aR + afbR * kfb
  atL1 vdelay3 ainL, ad + am * aL1, 60
  atL2 vdelay3 ainL, ad * 1.13 + am * aL2, 60
  atL3 vdelay3 ainL, ad * 0.87 + am * aL3, 60
  atR1 vdelay3 ainR, ad + am * aR1, 60
  atR2 vdelay3 ainR, ad * 1.13 + am * aR2, 60
  atR3 vdelay3 ainR, ad * 0.87 + am * aR3, 60
  awL = (atL1 + atL2 * kg2 + atL3 * kg3) * knorm
  awR = (atR1 + atR2 * kg2 + atR3 * kg3) * knorm
  awL tone awL, ktone
  awR tone awR, ktone
  afbL = awL
  afbR = awR

  ; width on the wet signal
  amid = (awL + awR) * 0.5
  aside = (awL - awR) * 0.5 * kwidth
  awL = amid + aside
  awR = amid - aside
  kdry = min(1, 2 * (1 - kmix))
  kwet = min(1, 2 * kmix)
  outs aL * kdry + awL * kwet, aR * kdry + awR * kwet
endin
</CsInstruments>
<CsScore>
i 1 0 z
</CsScore>
</CsoundSynthesizer>
