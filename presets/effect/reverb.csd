<CsoundSynthesizer>
<CsInstruments>
; Stereo reverb: pre-delay, a low cut on the reverb send, then the reverbsc feedback
; delay network (Size sets its feedback, Damping the cutoff inside the loop), a stereo
; width control on the wet signal and a dry/wet mix. The dry path is untouched.
; Every chn_k line is a plugin parameter (see presets/instrument/poly-synth.csd for the fields).
sr = 48000
ksmps = 32
nchnls = 2
nchnls_i = 2
0dbfs = 1

chn_k "predelay", 1, 2, 20,   0,    200,   0, 0, 0, 0, "label=Pre-delay; unit=ms; group=Reverb"
chn_k "size",     1, 2, 0.82, 0.3,  0.95,  0, 0, 0, 0, "label=Size; group=Reverb"
chn_k "damping",  1, 3, 7000, 1000, 16000, 0, 0, 0, 0, "label=Damping; unit=Hz; group=Reverb"
chn_k "lowcut",   1, 3, 150,  20,   1000,  0, 0, 0, 0, "label=Low cut; unit=Hz; group=Reverb"
chn_k "width",    1, 2, 1,    0,    1,     0, 0, 0, 0, "label=Width; group=Output"
chn_k "mix",      1, 2, 0.3,  0,    1,     0, 0, 0, 0, "label=Mix; group=Output"

instr 1
  aL, aR ins
  kpre portk chnget:k("predelay"), 0.05
  ksize chnget "size"
  kdamp chnget "damping"
  klow chnget "lowcut"
  kwidth chnget "width"
  kmix chnget "mix"

  ; send: pre-delay (at least one sample) and a 2-pole low cut
  adel = a(max(kpre, 0.05))
  apL vdelay3 aL, adel, 250
  apR vdelay3 aR, adel, 250
  apL butterhp apL, klow
  apR butterhp apR, klow

  awL, awR reverbsc apL, apR, ksize, kdamp
  ; width: 0 = mono wet, 1 = full stereo
  amid = (awL + awR) * 0.5
  aside = (awL - awR) * 0.5 * kwidth
  awL = amid + aside
  awR = amid - aside

  ; equal-power-ish mix: the dry stays near unity up to half way, the wet rises
  kdry = min(1, 2 * (1 - kmix))
  kwet = min(1, 2 * kmix)
  outs aL * kdry + awL * kwet, aR * kdry + awR * kwet
endin
</CsInstruments>
<CsScore>
i 1 0 z
</CsScore>
</CsoundSynthesizer>
