//! Every option Csound 6.18's command line lists (`csound --help`) is read as Csound reads it:
//! passed to Csound, or left out with a note when the host does it (audio, MIDI, files, the
//! display); only what reaches outside the instrument is refused.

use csound_plugin::csound::options::{check, Verdict};

/// `csound --help` of 6.18, each option with a value of the shape it takes.
const CSOUND_HELP: &str = "-+alsaseq_client=x -+id_artist=x -+id_comment=x -+id_copyright=x \
-+id_date=x -+id_scopyright=x -+id_software=x -+id_title=x -+ignore_csopts=1 -+input_stream=x \
-+jack_client=x -+jack_inportname=x -+jack_midi_client=x -+jack_midi_inportname=x \
-+jack_midi_outportname=x -+jack_outportname=x -+jack_sleep_time=1 -+msg_color=1 \
-+mute_tracks=1 -+output_stream=x -+raw_controller_mode=1 -+rtaudio=jack -+rtmidi=NULL \
-+server=x -+skip_seconds=1 --aft-zero --aiff --asciidisplay --au --control-rate=100 --cscore \
--csd-line-nums=1 --daemon --defer-gen1 --devices --displays --dither --dither-triangular \
--dither-uniform --env:SSDIR+=x --extract-score=f --fftlib=0 --format=wav --get-system-sr \
--hardwarebufsamps=256 --heartbeat=1 --help --i-only --input=adc --iobufsamps=64 --ircam \
--keep-sorted-score --ksmps=32 --limiter --list-opcodes --logfile=x --m-amps=1 \
--messagelevel=0 --messageolevel=0 --midi-device=0 --midi-devices --midi-key-cps=4 \
--midi-key-oct=4 --midi-key-pch=4 --midi-key=4 --midi-velocity-amp=5 --midi-velocity=5 \
--midifile=x.mid --midioutfile=x.mid --mpeg --nchnls=2 --nchnls_i=2 --no-default-paths \
--nodisplays --noheader --nopeaks --nosound --notify --ogg --omacro:X=1 --opcode-dir=x \
--opcode-lib=x --opcode-omit=x --orc --output=dac --port=1 --postscriptdisplay --realtime \
--rewrite --sample-accurate --sample-rate=48000 --sched --score-in=x --simple-sorted-score \
--sinesize --smacro:X=1 --strset1=x --syntax-check-only --tempo=60 --terminate-on-midi \
--udp-echo --use-system-sr --utility=x --vbr --vbr-quality=1 --verbose --version --wave -A \
-B256 -C -D -Fx.mid -G -H1 -I -J -K -Lstdin -M0 -N -Q0 -R -T -Usndinfo -W -Z -b256 -c -d -f \
-g -h -iadc -j2 -k100 -l -m0 -ma -n";

#[test]
fn every_option_csound_lists_is_read_and_only_what_reaches_outside_is_refused() {
    let mut refused = Vec::new();
    for option in CSOUND_HELP.split_whitespace() {
        match check(option) {
            Ok(Verdict::Pass(_) | Verdict::Ignore(_)) => {}
            Err(e) => refused.push((option, e.to_string())),
        }
    }
    let names: Vec<&str> = refused.iter().map(|(o, _)| *o).collect();
    assert_eq!(
        names,
        [
            "--daemon",
            "--env:SSDIR+=x",
            "--logfile=x",
            "--opcode-lib=x",
            "--port=1",
            "--utility=x",
            "-Usndinfo"
        ],
        "{refused:#?}"
    );
    for (option, why) in &refused {
        assert!(
            why.contains(option) && why.contains("it "),
            "{option}: {why}"
        );
    }
}
