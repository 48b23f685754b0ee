<CsoundSynthesizer>
<CsPlugin>
; How the plugin plays this orchestra: MIDI notes become held i-events of instrument 1,
; with p4 = MIDI key and p5 = velocity 0..1.
notes = score
instrument = 1
pitch = key
velocity = unit
</CsPlugin>
<CsInstruments>
; Slow, lush pad: four detuned oscillators per voice (two per side, so the detuning
; doubles as a stereo chorus) plus a sub one octave down, into a resonant low-pass
; per side. The cutoff swells in with the amplitude envelope and drifts with a slow
; LFO whose phase is random per note, so chords breathe instead of pumping together.
; The mod wheel opens the filter further.
; Every chn_k line is a plugin parameter (see poly-synth.csd for the fields).
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1

chn_k "shape",     1, 1, 0,    0,    2,     0, 0, 0, 0, "label=Shape; steps=Saw|Pulse|Triangle; group=Oscillators"
chn_k "detune",    1, 2, 12,   0,    40,    0, 0, 0, 0, "label=Detune; unit=ct; group=Oscillators"
chn_k "sub",       1, 2, 0.3,  0,    1,     0, 0, 0, 0, "label=Sub octave; group=Oscillators"
chn_k "cutoff",    1, 3, 1400, 80,   12000, 0, 0, 0, 0, "label=Cutoff; unit=Hz; group=Filter"
chn_k "resonance", 1, 2, 0.25, 0,    0.9,   0, 0, 0, 0, "label=Resonance; group=Filter"
chn_k "motion",    1, 2, 0.4,  0,    1,     0, 0, 0, 0, "label=Filter motion; group=Filter"
chn_k "rate",      1, 3, 0.15, 0.01, 5,     0, 0, 0, 0, "label=Motion rate; unit=Hz; group=Filter"
chn_k "attack",    1, 3, 0.7,  0.01, 10,    0, 0, 0, 0, "label=Attack; unit=s; group=Envelope"
chn_k "release",   1, 3, 2.5,  0.05, 12,    0, 0, 0, 0, "label=Release; unit=s; group=Envelope"
chn_k "volume",    1, 2, 0,    -60,  6,     0, 0, 0, 0, "label=Volume; unit=dB; group=Output"

giSine ftgen 0, 0, 16384, 10, 1

instr 1
  icps = cpsmidinn(p4)
  ivel = 0.5 + 0.5 * p5                       ; pads: gentle velocity response
  ishape = chnget:i("shape")
  imode = (ishape < 0.5 ? 0 : (ishape < 1.5 ? 2 : 12))  ; vco2: saw, pulse (PWM), triangle
  iatt = chnget:i("attack")
  irel = chnget:i("release")
  iphase random 0, 1                          ; per-note LFO phase

  kdet chnget "detune"
  ksub chnget "sub"
  kcut chnget "cutoff"
  kres chnget "resonance"
  kmotion chnget "motion"
  krate chnget "rate"
  kvol chnget "volume"
  kbend chnget "MIDI_PITCH_BEND"
  kwheel chnget "MIDI_MOD_WHEEL"

  kcps = icps * semitone(2 * kbend)
  klfo oscili 1, krate, giSine, iphase
  kpwm oscili 0.2, krate * 0.7, giSine, 1 - iphase
  kpw = 0.5 + kpwm                            ; only used by the pulse shape
  aL1 vco2 0.5, kcps * cent(-kdet),        imode, kpw
  aL2 vco2 0.5, kcps * cent(kdet * 0.37),  imode, kpw
  aR1 vco2 0.5, kcps * cent(kdet),         imode, kpw
  aR2 vco2 0.5, kcps * cent(-kdet * 0.41), imode, kpw
  asub oscili ksub * 0.6, kcps * 0.5, giSine

  ; envelope: release-aware, slow by default
  aenv madsr iatt, 0.1, 1, irel
  kenv madsr iatt, 0.1, 1, irel
  ; cutoff: swells with the envelope, drifts with the LFO (+-1.5 octaves at full motion)
  kfc = kcut * (0.5 + 0.5 * kenv) * 2 ^ (1.5 * kmotion * klfo + 2 * kwheel)
  kfc limit kfc, 30, sr * 0.42
  kfc port kfc, 0.02
  aL moogladder (aL1 + aL2) * 0.5 + asub, kfc, kres
  aR moogladder (aR1 + aR2) * 0.5 + asub, kfc * 1.03, kres

  igain = 0.55 * ivel
  aamp = aenv * igain * ampdbfs(kvol)
  outs aL * aamp, aR * aamp
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
