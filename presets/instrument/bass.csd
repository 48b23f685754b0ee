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
; Punchy synth bass: a saw or square plus a sine sub one octave down, into a resonant
; low-pass with a fast decaying filter envelope (velocity scales its depth), then a
; tanh drive stage. Glide: each new note slides from the pitch of the previous note.
; The amplitude envelope has a tiny attack, a short decay to a high sustain and a
; release-aware fade; a DC blocker keeps the drive stage clean.
; Every chn_k line is a plugin parameter (see poly-synth.csd for the fields).
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1

chn_k "wave",      1, 1, 0,    0,    1,    0, 0, 0, 0, "label=Wave; steps=Saw|Square; group=Oscillators"
chn_k "sub",       1, 2, 0.6,  0,    1,    0, 0, 0, 0, "label=Sub level; group=Oscillators"
chn_k "cutoff",    1, 3, 400,  40,   8000, 0, 0, 0, 0, "label=Cutoff; unit=Hz; group=Filter"
chn_k "resonance", 1, 2, 0.35, 0,    0.9,  0, 0, 0, 0, "label=Resonance; group=Filter"
chn_k "envamount", 1, 2, 0.6,  0,    1,    0, 0, 0, 0, "label=Filter envelope; group=Filter"
chn_k "decay",     1, 3, 0.25, 0.02, 3,    0, 0, 0, 0, "label=Filter decay; unit=s; group=Filter"
chn_k "drive",     1, 2, 0.3,  0,    1,    0, 0, 0, 0, "label=Drive; group=Output"
chn_k "glide",     1, 2, 0,    0,    1,    0, 0, 0, 0, "label=Glide; unit=s; group=Pitch"
chn_k "release",   1, 3, 0.08, 0.01, 2,    0, 0, 0, 0, "label=Release; unit=s; group=Envelope"
chn_k "volume",    1, 2, 0,    -60,  6,    0, 0, 0, 0, "label=Volume; unit=dB; group=Output"

giSine ftgen 0, 0, 16384, 10, 1
giLastCps init 0                               ; pitch of the previous note, for glide

instr 1
  icps = cpsmidinn(p4)
  ivel = p5
  iwave = chnget:i("wave")
  imode = (iwave < 0.5 ? 0 : 10)               ; vco2: saw, square
  iglide = chnget:i("glide")
  idec = chnget:i("decay")
  irel = chnget:i("release")
  istart = (giLastCps > 0 && iglide > 0.001 ? giLastCps : icps)
  giLastCps = icps

  ksub chnget "sub"
  kcut chnget "cutoff"
  kres chnget "resonance"
  kenvamt chnget "envamount"
  kdrive chnget "drive"
  kvol chnget "volume"
  kbend chnget "MIDI_PITCH_BEND"

  ; glide: exponential slide from the previous pitch
  kglide expseg istart, max(iglide, 0.001), icps, 1, icps
  kcps = kglide * semitone(2 * kbend)
  aosc vco2 0.5, kcps, imode
  asub oscili ksub * 0.6, kcps * 0.5, giSine

  ; filter envelope: instant peak, decays to 10 %, depth scaled by velocity
  kfenv expseg 1, idec, 0.1, 1, 0.1
  kfc = kcut * (1 + 12 * kenvamt * kfenv * (0.3 + 0.7 * ivel))
  kfc limit kfc, 20, sr * 0.42
  afilt moogladder aosc, kfc, kres
  ; the sub skips the filter, so the low end stays solid at any cutoff
  amix = afilt + asub

  ; drive: tanh with gain compensation
  kpre = 1 + 6 * kdrive
  asat = tanh(amix * kpre) / (1 + 2.5 * kdrive)
  asat dcblock asat, 0.9995                   ; ~4 Hz: keeps the sub, removes drive DC

  aenv madsr 0.003, 0.3, 0.8, irel
  aout = asat * aenv * (0.4 + 0.6 * ivel) * 0.28 * ampdbfs(kvol)
  outs aout, aout
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
