//! Csound's named channels as the host sees them: declarations with their hints, and a
//! handle to a control channel that the audio thread can use without a lookup.

use super::error::{Error, ErrorKind, Result};
use super::instance::{Csound, State};
use super::sys;
use std::ffi::{c_char, c_int, CStr, CString};
use std::fmt;
use std::ptr::{self};
use std::sync::atomic::{AtomicU64, Ordering};

/// What a channel carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// One number per k-period (`chn_k`).
    Control,
    /// One k-period of audio (`chn_a`).
    Audio,
    /// Text (`chn_S`).
    String,
    /// A phase-vocoder stream.
    Pvs,
    /// A variable of another type.
    Var,
}

/// How a control channel's value moves between its minimum and maximum (the `itype` of
/// `chn_k`): what a host shows as a knob's law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Behaviour {
    /// No range was declared.
    None,
    /// Whole numbers only.
    Integer,
    /// Linear.
    Linear,
    /// Exponential: `min` and `max` share a sign and are not zero.
    Exponential,
}

/// The range and presentation hints of a control channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelHints {
    pub behaviour: Behaviour,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    /// The free-form attribute string of `chn_k` (label, unit, steps, ... as the plugin reads it).
    pub attributes: Option<String>,
}

/// A channel that exists in the running orchestra.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    pub name: String,
    pub kind: ChannelKind,
    /// The orchestra reads it: the host may write it.
    pub input: bool,
    /// The orchestra writes it: the host may read it.
    pub output: bool,
    /// Hints, for control channels.
    pub hints: ChannelHints,
}

/// A control channel of one instance, resolved once so the audio thread reads and writes it
/// through a pointer: no name lookup, no lock (about 1 ns against 25 ns by name).
///
/// Get one with [`Csound::control_channel`](super::Csound::control_channel) and use it with
/// [`Csound::set_control`](super::Csound::set_control) and
/// [`Csound::control`](super::Csound::control). It is `Copy` and may be sent to another thread.
/// A handle outlives nothing: after a reset, or on another instance, it is refused with
/// [`StaleChannel`] instead of touching freed memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlChannel {
    /// The channel's value inside Csound.
    pub(crate) ptr: *mut f64,
    /// The instance-and-reset key the pointer belongs to.
    pub(crate) key: u64,
}

// SAFETY: the pointer is only dereferenced by `Csound` methods after checking that `key` is the
// key of that very instance since its last reset, i.e. while the pointed-to value is alive; the
// value is read and written atomically.
unsafe impl Send for ControlChannel {}
// SAFETY: as above; the handle itself is an immutable pair of values.
unsafe impl Sync for ControlChannel {}

/// A [`ControlChannel`] used on an instance it does not belong to, or after a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleChannel;

impl fmt::Display for StaleChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this channel handle belongs to another Csound instance or was reset")
    }
}

impl std::error::Error for StaleChannel {}

impl Csound {
    fn c_name(name: &str) -> Result<CString> {
        if name.is_empty() {
            return Err(Error::new(ErrorKind::Channel, "a channel needs a name"));
        }
        CString::new(name).map_err(|_| {
            Error::new(
                ErrorKind::Channel,
                format!("the channel name {name:?} contains a NUL character"),
            )
        })
    }

    /// Resolves (creating if needed) a control channel, for [`set_control`](Self::set_control)
    /// and [`control`](Self::control) without name lookups. Fails if `name` is a channel of
    /// another type.
    pub fn control_channel(&mut self, name: &str) -> Result<ControlChannel> {
        let kind = sys::controlChannelType_CSOUND_CONTROL_CHANNEL as c_int;
        let ptr = self.channel_data(name, kind, "control (k-rate)")?;
        Ok(ControlChannel { ptr, key: self.key })
    }

    /// The data of the input and output channel `name` of `kind` (created if needed): a
    /// control channel's value, or a string channel's `STRINGDAT`. `what` names the kind in the
    /// error when the channel exists with another type.
    pub(crate) fn channel_data(&mut self, name: &str, kind: c_int, what: &str) -> Result<*mut f64> {
        let c_name = Self::c_name(name)?;
        let mut ptr: *mut f64 = ptr::null_mut();
        let kind = kind
            | (sys::controlChannelType_CSOUND_INPUT_CHANNEL
                | sys::controlChannelType_CSOUND_OUTPUT_CHANNEL) as c_int;
        // SAFETY: `cs` is live; Csound writes the channel's data pointer into `ptr`.
        let rc = unsafe {
            self.api
                .csoundGetChannelPtr(self.raw(), &mut ptr, c_name.as_ptr(), kind)
        };
        if rc != 0 || ptr.is_null() {
            return Err(Error::new(
                ErrorKind::Channel,
                format!("the channel \"{name}\" exists with another type than {what}"),
            )
            .with_code(rc));
        }
        Ok(ptr)
    }

    fn channel_cell(&self, channel: ControlChannel) -> Result<&AtomicU64, StaleChannel> {
        if channel.key != self.key {
            return Err(StaleChannel);
        }
        // SAFETY: the key matches, so `ptr` is this instance's channel value since its last
        // reset: alive, 8-byte aligned (Csound allocates it as a MYFLT), and only accessed
        // atomically from Rust.
        Ok(unsafe { AtomicU64::from_ptr(channel.ptr as *mut u64) })
    }

    /// Writes a control channel through its handle. No lookup, no lock, no allocation.
    pub fn set_control(&self, channel: ControlChannel, value: f64) -> Result<(), StaleChannel> {
        self.channel_cell(channel)?
            .store(value.to_bits(), Ordering::Relaxed);
        Ok(())
    }

    /// Reads a control channel through its handle. No lookup, no lock, no allocation.
    pub fn control(&self, channel: ControlChannel) -> Result<f64, StaleChannel> {
        Ok(f64::from_bits(
            self.channel_cell(channel)?.load(Ordering::Relaxed),
        ))
    }

    /// Writes a control channel by name (a lookup: not for the audio thread).
    pub fn set_control_by_name(&mut self, name: &str, value: f64) -> Result<()> {
        let channel = self.control_channel(name)?;
        self.set_control(channel, value)
            .map_err(|e| Error::new(ErrorKind::Channel, e.to_string()))
    }

    /// Reads a control channel by name (a lookup: not for the audio thread).
    pub fn control_by_name(&mut self, name: &str) -> Result<f64> {
        let channel = self.control_channel(name)?;
        self.control(channel)
            .map_err(|e| Error::new(ErrorKind::Channel, e.to_string()))
    }

    /// Sets the range and hints of a control channel (as `chn_k` would).
    pub fn set_control_hints(&mut self, name: &str, hints: &ChannelHints) -> Result<()> {
        let c_name = Self::c_name(name)?;
        let attributes = match &hints.attributes {
            Some(a) => Some(Self::c_text(a, "the channel attributes")?),
            None => None,
        };
        let behav = match hints.behaviour {
            Behaviour::None => sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_NO_HINTS,
            Behaviour::Integer => sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_INT,
            Behaviour::Linear => sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_LIN,
            Behaviour::Exponential => sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_EXP,
        };
        let c_hints = sys::controlChannelHints_t {
            behav,
            dflt: hints.default,
            min: hints.min,
            max: hints.max,
            x: 0,
            y: 0,
            width: 0,
            height: 0,
            attributes: attributes
                .as_ref()
                .map_or(ptr::null_mut(), |a| a.as_ptr() as *mut c_char),
        };
        self.control_channel(name)?;
        // SAFETY: `cs` is live; Csound copies the hints and the attribute string.
        let rc = unsafe {
            self.api
                .csoundSetControlChannelHints(self.raw(), c_name.as_ptr(), c_hints)
        };
        if rc != 0 {
            return Err(Error::new(
                ErrorKind::Channel,
                format!("Csound refused the hints of \"{name}\""),
            )
            .with_code(rc));
        }
        Ok(())
    }

    /// Every channel the orchestra declared or used, with its hints.
    pub fn channels(&mut self) -> Result<Vec<ChannelInfo>> {
        let mut list: *mut sys::controlChannelInfo_t = ptr::null_mut();
        // SAFETY: `cs` is live; Csound allocates the list, which we free below.
        let n = unsafe { self.api.csoundListChannels(self.raw(), &mut list) };
        if n < 0 {
            return Err(
                Error::new(ErrorKind::Channel, "Csound could not list its channels").with_code(n),
            );
        }
        if list.is_null() {
            return Ok(Vec::new());
        }
        // SAFETY: Csound returned `n` entries at `list`, valid until `csoundDeleteChannelList`.
        let entries = unsafe { std::slice::from_raw_parts(list, n as usize) };
        let text = |p: *const c_char| {
            // SAFETY: non-null strings in the list are NUL-terminated and live with the list.
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        };
        let infos = entries
            .iter()
            .map(|e| {
                let t = e.type_ as u32;
                ChannelInfo {
                    name: text(e.name).unwrap_or_default(),
                    kind: match t & sys::controlChannelType_CSOUND_CHANNEL_TYPE_MASK {
                        sys::controlChannelType_CSOUND_AUDIO_CHANNEL => ChannelKind::Audio,
                        sys::controlChannelType_CSOUND_STRING_CHANNEL => ChannelKind::String,
                        sys::controlChannelType_CSOUND_PVS_CHANNEL => ChannelKind::Pvs,
                        sys::controlChannelType_CSOUND_VAR_CHANNEL => ChannelKind::Var,
                        _ => ChannelKind::Control,
                    },
                    input: t & sys::controlChannelType_CSOUND_INPUT_CHANNEL != 0,
                    output: t & sys::controlChannelType_CSOUND_OUTPUT_CHANNEL != 0,
                    hints: ChannelHints {
                        behaviour: match e.hints.behav {
                            sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_INT => {
                                Behaviour::Integer
                            }
                            sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_LIN => {
                                Behaviour::Linear
                            }
                            sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_EXP => {
                                Behaviour::Exponential
                            }
                            _ => Behaviour::None,
                        },
                        default: e.hints.dflt,
                        min: e.hints.min,
                        max: e.hints.max,
                        attributes: text(e.hints.attributes),
                    },
                }
            })
            .collect();
        // SAFETY: `list` came from `csoundListChannels` on this instance and is freed once.
        unsafe { self.api.csoundDeleteChannelList(self.raw(), list) };
        Ok(infos)
    }

    /// Writes one k-period (`ksmps` samples) into an audio channel.
    pub fn set_audio_channel(&mut self, name: &str, samples: &[f64]) -> Result<()> {
        let c_name = Self::c_name(name)?;
        if self.state != State::Started || samples.len() != self.ksmps {
            return Err(Error::new(
                ErrorKind::Channel,
                format!(
                    "an audio channel takes one k-period ({} samples) of a started engine",
                    self.ksmps
                ),
            ));
        }
        // SAFETY: `cs` is live and started; Csound copies `ksmps` samples, which `samples` has.
        unsafe {
            self.api.csoundSetAudioChannel(
                self.raw(),
                c_name.as_ptr(),
                samples.as_ptr() as *mut f64,
            )
        };
        Ok(())
    }

    /// Reads one k-period (`ksmps` samples) from an audio channel.
    pub fn audio_channel(&mut self, name: &str, samples: &mut [f64]) -> Result<()> {
        let c_name = Self::c_name(name)?;
        if self.state != State::Started || samples.len() != self.ksmps {
            return Err(Error::new(
                ErrorKind::Channel,
                format!(
                    "an audio channel gives one k-period ({} samples) of a started engine",
                    self.ksmps
                ),
            ));
        }
        // SAFETY: `cs` is live and started; Csound writes `ksmps` samples, which `samples` has.
        unsafe {
            self.api
                .csoundGetAudioChannel(self.raw(), c_name.as_ptr(), samples.as_mut_ptr())
        };
        Ok(())
    }

    /// Writes a string channel.
    pub fn set_string_channel(&mut self, name: &str, value: &str) -> Result<()> {
        let c_name = Self::c_name(name)?;
        let c_value = Self::c_text(value, "the string value")?;
        // SAFETY: `cs` is live; Csound copies the string.
        unsafe {
            self.api.csoundSetStringChannel(
                self.raw(),
                c_name.as_ptr(),
                c_value.as_ptr() as *mut c_char,
            )
        };
        Ok(())
    }

    /// Reads a string channel (empty if it holds nothing).
    pub fn string_channel(&mut self, name: &str) -> Result<String> {
        let c_name = Self::c_name(name)?;
        // SAFETY: `cs` is live; the size query has no side effects.
        let size = unsafe {
            self.api
                .csoundGetChannelDatasize(self.raw(), c_name.as_ptr())
        };
        if size <= 0 {
            return Ok(String::new());
        }
        let mut buf = vec![0u8; size as usize + 1];
        // SAFETY: Csound copies at most the channel's data size (plus NUL) into `buf`, which has
        // one byte more than that.
        unsafe {
            self.api.csoundGetStringChannel(
                self.raw(),
                c_name.as_ptr(),
                buf.as_mut_ptr() as *mut c_char,
            )
        };
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        Ok(String::from_utf8_lossy(&buf[..end]).into_owned())
    }
}
