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
; Csound Instrument's built-in synth: two detuned oscillators into a resonant low-pass
; with its own envelope. Every chn_k line is a plugin parameter:
;   name, mode (1 = input), type (1 int, 2 linear, 3 exponential), default, min, max,
;   x, y, width, height (unused), "label=...; unit=...; group=...; steps=A|B|C"
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1

chn_k "shape",     1, 1, 0,    0,     2,     0, 0, 0, 0, "label=Shape; steps=Saw|Square|Triangle; group=Oscillators"
chn_k "detune",    1, 2, 8,    0,     50,    0, 0, 0, 0, "label=Detune; unit=ct; group=Oscillators"
chn_k "cutoff",    1, 3, 2500, 40,    18000, 0, 0, 0, 0, "label=Cutoff; unit=Hz; group=Filter"
chn_k "resonance", 1, 2, 0.3,  0,     0.95,  0, 0, 0, 0, "label=Resonance; group=Filter"
chn_k "envamount", 1, 2, 0.4,  0,     1,     0, 0, 0, 0, "label=Filter envelope; group=Filter"
chn_k "attack",    1, 3, 0.01, 0.001, 5,     0, 0, 0, 0, "label=Attack; unit=s; group=Envelope"
chn_k "decay",     1, 3, 0.4,  0.005, 5,     0, 0, 0, 0, "label=Decay; unit=s; group=Envelope"
chn_k "sustain",   1, 2, 0.7,  0,     1,     0, 0, 0, 0, "label=Sustain; group=Envelope"
chn_k "release",   1, 3, 0.3,  0.005, 8,     0, 0, 0, 0, "label=Release; unit=s; group=Envelope"
chn_k "volume",    1, 2, -6,   -60,   6,     0, 0, 0, 0, "label=Volume; unit=dB; group=Output"

instr 1
  icps = cpsmidinn(p4)
  ivel = p5
  ishape = chnget:i("shape")
  imode = (ishape < 0.5 ? 0 : (ishape < 1.5 ? 2 : 12))  ; vco2: saw, square, triangle
  iatt = chnget:i("attack")
  idec = chnget:i("decay")
  isus = chnget:i("sustain")
  irel = chnget:i("release")

  kdetune chnget "detune"
  kcut chnget "cutoff"
  kres chnget "resonance"
  kenvamt chnget "envamount"
  kvol chnget "volume"
  kbend chnget "MIDI_PITCH_BEND"             ; -1..1: two semitones either way

  kcps = icps * semitone(2 * kbend)
  a1 vco2 0.5, kcps * cent(kdetune), imode, 0.5
  a2 vco2 0.5, kcps * cent(-kdetune), imode, 0.5
  aenv madsr iatt, idec, isus, irel
  kenv madsr iatt, idec, isus, irel
  kfreq limit kcut * (1 + 4 * kenvamt * kenv), 20, sr * 0.45
  afilt moogladder (a1 + a2) * 0.5, kfreq, kres
  aout = afilt * aenv * ivel * 2 * ampdbfs(kvol)   ; x2: level-matched with the other factory orchestras
  outs aout, aout
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
