//! Cabbage 2's syntax: one widget a line, `type identifier(args), identifier(args) ...`, with
//! `#define` macros, `{ }` containers whose children are placed relative to them, and `form`
//! for the window.

use super::widgets::{Bounds, Colour, Form, Layout, Range, Widget};

/// An identifier's argument.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Text(String),
    Number(f64),
    /// Neither (a range slider's `0.2:0.8`, an expression): kept as written.
    Raw(String),
}

impl Arg {
    fn number(&self) -> Option<f64> {
        match self {
            Arg::Number(n) => Some(*n),
            // As Cabbage reads numbers: the number a text starts with (`0.17.0` is 0.17).
            Arg::Text(t) | Arg::Raw(t) => {
                let t = t.trim();
                t.parse()
                    .ok()
                    .or_else(|| t[..number_prefix(t)].parse().ok())
            }
        }
    }
    fn text(&self) -> String {
        match self {
            Arg::Text(t) | Arg::Raw(t) => t.clone(),
            Arg::Number(n) => n.to_string(),
        }
    }
}

/// Reads a Cabbage 2 section. `first_line` is the file line of the section's first line, so
/// errors name the line the user sees.
pub fn parse(section: &str, first_line: usize) -> Result<Layout, String> {
    let section = &without_block_comments(section);
    let mut layout = Layout::default();
    let mut macros: Vec<(String, String)> = Vec::new();
    // The absolute origin of each open container.
    let mut origins: Vec<(f32, f32)> = Vec::new();
    // The last widget's origin, for a `{` on the line after it.
    let mut last_origin = (0.0, 0.0);
    for (n, raw) in section.lines().enumerate() {
        let line_no = first_line + n;
        let mut line = strip_comment(raw).trim().to_string();
        if let Some(define) = line.strip_prefix("#define") {
            let define = define.trim();
            let (name, body) = define
                .split_once(char::is_whitespace)
                .unwrap_or((define, ""));
            // Csound's own form, `#define NAME # body #`, is accepted too.
            let body = body.trim();
            let body = match body.strip_prefix('#') {
                Some(inner) => inner.strip_suffix('#').unwrap_or(inner),
                None => body,
            };
            macros.push((name.to_string(), body.trim().to_string()));
            // Longest first, so `$SLIDER2` is not read as `$SLIDER` followed by "2".
            macros.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
            continue;
        }
        for (name, body) in &macros {
            line = line.replace(&format!("${name}"), body);
        }
        // A macro defined nowhere expands to nothing, as in Cabbage.
        let line = drop_undefined_macros(&line);
        // Braces open and close containers wherever they stand on the line.
        let (line, opens, closes) = take_braces(&line);
        let rest = line.trim();
        let mut rest = rest;
        if rest.is_empty() {
            for _ in 0..closes {
                origins.pop();
            }
            for _ in 0..opens {
                origins.push(last_origin);
            }
            continue;
        }
        // Closing braces before the widget close its earlier siblings' container.
        let leading = closes.min(raw.trim_start().chars().take_while(|&c| c == '}').count());
        for _ in 0..leading {
            origins.pop();
        }
        rest = rest.trim_start_matches('}').trim_start();
        let (type_name, identifiers) = rest
            .split_once(|c: char| c.is_whitespace())
            .unwrap_or((rest, ""));
        let identifiers = identifiers.trim();
        let opens = opens > 0;
        let parsed = identifier_list(identifiers)
            .map_err(|e| format!("<Cabbage> line {line_no} ({type_name}): {e}"))?;
        let parent = origins.last().copied().unwrap_or((0.0, 0.0));
        if type_name.eq_ignore_ascii_case("form") {
            read_form(&mut layout.form, &parsed);
            continue;
        }
        let mut widget = Widget::new(type_name, line_no);
        let value = read_widget(&mut widget, &parsed)
            .map_err(|e| format!("<Cabbage> line {line_no} ({}): {e}", widget.name()))?;
        widget.settle(value);
        widget.bounds.x += parent.0;
        widget.bounds.y += parent.1;
        last_origin = (widget.bounds.x, widget.bounds.y);
        if opens {
            origins.push(last_origin);
        }
        for _ in 0..closes - leading {
            origins.pop();
        }
        layout.widgets.push(widget);
    }
    Ok(layout)
}

/// `section` with its `/* ... */` comments (outside quotes) blanked, newlines kept so lines
/// keep their numbers.
fn without_block_comments(section: &str) -> String {
    let mut out = String::with_capacity(section.len());
    let (mut quoted, mut in_comment) = (false, false);
    let mut chars = section.chars().peekable();
    while let Some(c) = chars.next() {
        if in_comment {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                in_comment = false;
            } else if c == '\n' {
                out.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = !quoted,
            '\n' => quoted = false,
            '/' if !quoted && chars.peek() == Some(&'*') => {
                chars.next();
                in_comment = true;
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// `line` without `$NAME` references left after expansion.
fn drop_undefined_macros(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == '$' && !quoted {
            while chars
                .peek()
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// `line` without its braces (outside quotes), and how many opened and closed.
fn take_braces(line: &str) -> (String, usize, usize) {
    let (mut out, mut opens, mut closes, mut quoted) = (String::new(), 0, 0, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                out.push(c);
            }
            '{' if !quoted => opens += 1,
            '}' if !quoted => closes += 1,
            _ => out.push(c),
        }
    }
    (out, opens, closes)
}

/// The length of the number `text` starts with.
fn number_prefix(text: &str) -> usize {
    let mut end = 0;
    let mut dot = false;
    for (i, c) in text.char_indices() {
        match c {
            '-' | '+' if i == 0 => {}
            '0'..='9' => {}
            '.' if !dot => dot = true,
            _ => break,
        }
        end = i + c.len_utf8();
    }
    end
}

/// The line without its `;` comment (outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => return &line[..i],
            '/' if !quoted && line[i..].starts_with("//") => return &line[..i],
            _ => {}
        }
    }
    line
}

/// `name(args), name(args) ...` into names (lower case) and arguments.
fn identifier_list(text: &str) -> Result<Vec<(String, Vec<Arg>)>, String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() || c == ',' {
            chars.next();
            continue;
        }
        let mut name_end = start;
        while let Some(&(i, c)) = chars.peek() {
            if c.is_alphanumeric() || c == '_' || c == ':' {
                name_end = i + c.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let name = &text[start..name_end];
        if name.is_empty() {
            return Err(format!("unexpected `{c}`"));
        }
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().map(|(_, c)| *c) != Some('(') {
            // A stray word (`l;atched(1)` leaves an `l`): Cabbage passes over it, and so do we.
            continue;
        }
        chars.next();
        let mut args = Vec::new();
        let mut current = String::new();
        let mut quoted = None::<String>;
        let mut depth = 0;
        let mut closed = false;
        for (_, c) in chars.by_ref() {
            match (c, &mut quoted) {
                ('"', None) => quoted = Some(String::new()),
                ('"', Some(_)) => {
                    args.push(Arg::Text(quoted.take().unwrap_or_default()));
                    current.clear();
                }
                (c, Some(q)) => q.push(c),
                ('(', None) => {
                    depth += 1;
                    current.push(c);
                }
                (')', None) if depth > 0 => {
                    depth -= 1;
                    current.push(c);
                }
                (')', None) => {
                    closed = true;
                    break;
                }
                (',', None) => push_bare(&mut args, &mut current),
                (c, None) => current.push(c),
            }
        }
        if !closed || quoted.is_some() {
            return Err(format!("`{name}(` is never closed"));
        }
        push_bare(&mut args, &mut current);
        out.push((name.to_ascii_lowercase(), args));
    }
    Ok(out)
}

fn push_bare(args: &mut Vec<Arg>, current: &mut String) {
    let bare = current.trim();
    if !bare.is_empty() {
        args.push(match bare.parse::<f64>() {
            Ok(n) => Arg::Number(n),
            Err(_) => Arg::Raw(bare.to_string()),
        });
    }
    current.clear();
}

/// A position or size: as many numbers as Cabbage takes, the missing ones (a macro's leftover
/// `bounds(0,)`) 0, as Cabbage reads them.
fn lenient_numbers(name: &str, args: &[Arg], count: usize) -> Result<Vec<f64>, String> {
    let mut n = numbers(name, args, 0)?;
    n.resize(n.len().max(count), 0.0);
    Ok(n)
}

fn numbers(name: &str, args: &[Arg], at_least: usize) -> Result<Vec<f64>, String> {
    let numbers: Option<Vec<f64>> = args.iter().map(Arg::number).collect();
    match numbers {
        Some(n) if n.len() >= at_least => Ok(n),
        _ => Err(format!(
            "{name}({}) needs {at_least} numbers",
            args.iter().map(Arg::text).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn colour(args: &[Arg]) -> Option<Colour> {
    match args {
        [single] => Colour::parse(&single.text()),
        _ => Colour::from_numbers(
            &args.iter().filter_map(Arg::number).collect::<Vec<_>>(),
            false,
        ),
    }
}

fn read_form(form: &mut Form, identifiers: &[(String, Vec<Arg>)]) {
    for (name, args) in identifiers {
        match name.as_str() {
            "caption" => form.caption = args.first().map(Arg::text).unwrap_or_default(),
            "size" => {
                if let [w, h, ..] = args.as_slice() {
                    form.width = w.number().unwrap_or(form.width as f64) as f32;
                    form.height = h.number().unwrap_or(form.height as f64) as f32;
                }
            }
            "bounds" => {
                if let [_, _, w, h, ..] = args.as_slice() {
                    form.width = w.number().unwrap_or(form.width as f64) as f32;
                    form.height = h.number().unwrap_or(form.height as f64) as f32;
                }
            }
            "colour" | "color" | "colour:0" => form.colour = colour(args),
            "pluginid" => form.plugin_id = args.first().map(Arg::text),
            _ => {}
        }
    }
}

/// Reads a widget's identifiers; returns its `value(...)`, if given.
fn read_widget(
    widget: &mut Widget,
    identifiers: &[(String, Vec<Arg>)],
) -> Result<Option<f64>, String> {
    let mut value = None;
    for (name, args) in identifiers {
        match name.as_str() {
            "bounds" => {
                let b = lenient_numbers(name, args, 4)?;
                widget.bounds = Bounds {
                    x: b[0] as f32,
                    y: b[1] as f32,
                    width: b[2] as f32,
                    height: b[3] as f32,
                };
            }
            "pos" => {
                let p = lenient_numbers(name, args, 2)?;
                (widget.bounds.x, widget.bounds.y) = (p[0] as f32, p[1] as f32);
            }
            "size" => {
                let s = lenient_numbers(name, args, 2)?;
                (widget.bounds.width, widget.bounds.height) = (s[0] as f32, s[1] as f32);
            }
            "channel" | "channels" => widget.channels = args.iter().map(Arg::text).collect(),
            "range" => {
                if args.len() < 2 {
                    return Err(format!(
                        "range needs min, max[, value, skew, increment]; got {} value(s)",
                        args.len()
                    ));
                }
                let number = |i: usize, default: f64| -> Result<f64, String> {
                    match args.get(i) {
                        None => Ok(default),
                        Some(a) => a
                            .number()
                            .ok_or_else(|| format!("range(...): `{}` is not a number", a.text())),
                    }
                };
                let (min, max) = (number(0, 0.0)?, number(1, 1.0)?);
                // A range slider's value is `low:high`.
                let (low, high) = match args.get(2).map(Arg::text) {
                    Some(t) if t.contains(':') => {
                        let (l, h) = t.split_once(':').unwrap_or_default();
                        let parse = |s: &str| {
                            s.trim()
                                .parse::<f64>()
                                .map_err(|_| format!("range(...): `{t}` is not low:high"))
                        };
                        (parse(l)?, parse(h)?)
                    }
                    _ => {
                        let v = number(2, min)?;
                        (v, max)
                    }
                };
                let range = Range {
                    skew: number(3, 1.0)?,
                    increment: number(4, 0.0)?,
                    ..Range::new(min, max, low)
                };
                widget.ranges = vec![
                    range,
                    Range {
                        default: high,
                        ..range
                    },
                ];
                widget
                    .ranges
                    .truncate(if widget.kind.is_range() { 2 } else { 1 });
            }
            "rangex" | "rangey" => {
                let r = numbers(name, args, 2)?;
                let range = Range::new(r[0], r[1], r.get(2).copied().unwrap_or(r[0]));
                let i = usize::from(name == "rangey");
                while widget.ranges.len() <= i {
                    widget.ranges.push(Range::new(0.0, 1.0, 0.0));
                }
                widget.ranges[i] = range;
            }
            "text" => widget.text = args.iter().map(Arg::text).collect(),
            "items" => widget.items = args.iter().map(Arg::text).collect(),
            "value" => match args.first() {
                Some(Arg::Text(t)) => widget.default_text = Some(t.clone()),
                Some(a) => value = a.number(),
                None => {}
            },
            "automatable" => widget.automatable = args.first().and_then(Arg::number) != Some(0.0),
            "channeltype" => {
                widget.string_channel = args.first().is_some_and(|a| a.text() == "string")
            }
            "identchannel" => widget.ident_channel = args.first().map(Arg::text),
            "visible" => widget.visible = args.first().and_then(Arg::number) != Some(0.0),
            "colour" | "color" | "colour:0" | "color:0" => widget.colour = colour(args),
            "colour:1" | "color:1" | "trackercolour" | "trackercolor" => {
                widget.tracker_colour = colour(args)
            }
            "fontcolour" | "fontcolor" | "textcolour" | "textcolor" | "fontcolour:0"
            | "fontcolor:0" => widget.font_colour = colour(args),
            "fontcolour:1" | "fontcolor:1" => widget.look.font_colour_on = colour(args),
            "whitenotecolour" | "whitenotecolor" => widget.colour = colour(args),
            "blacknotecolour" | "blacknotecolor" => widget.look.black_colour = colour(args),
            "keydowncolour" | "keydowncolor" => widget.tracker_colour = colour(args),
            "fontsize" => {
                widget.look.font_size = args.first().and_then(Arg::number).map(|s| s as f32)
            }
            "align" => widget.look.align = args.first().map(Arg::text),
            "file" => widget.look.file = args.first().map(Arg::text),
            "tablenumber" | "tablenumbers" | "tablenum" => {
                widget.look.tables = args
                    .iter()
                    .filter_map(Arg::number)
                    .filter(|n| *n >= 1.0)
                    .map(|n| n as u32)
                    .collect()
            }
            "populate" => {
                let text = |i: usize| args.get(i).map(Arg::text).unwrap_or_default();
                widget.look.populate = Some((text(0), text(1)));
            }
            "shape" => widget.look.shape = args.first().map(Arg::text),
            "presetignore" => {
                let ignored = args.first().and_then(Arg::number).unwrap_or(1.0) != 0.0;
                (widget.look.not_in_presets, widget.look.not_in_projects) = (ignored, ignored);
            }
            "outlinethickness" => {
                widget.look.outline_thickness = args.first().and_then(Arg::number).map(|t| t as f32)
            }
            "outlinecolour" | "outlinecolor" => widget.outline_colour = colour(args),
            _ => {}
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_with_quotes_and_nested_parentheses() {
        let list =
            identifier_list(r#"bounds(1, 2, 3, 4), text("a, (b)"), range(0, 1, .5)"#).unwrap();
        assert_eq!(list[1].1, vec![Arg::Text("a, (b)".into())]);
        assert_eq!(list[2].1[2], Arg::Number(0.5));
        assert!(identifier_list("bounds(1, 2").is_err());
        assert_eq!(identifier_list("l, bounds(1, 2, 3, 4)").unwrap().len(), 1);
    }

    #[test]
    fn cabbage_2_leniencies_block_comments_macro_leftovers_and_text_entries() {
        let layout = parse(
            "form size(100, 100)\n/* a note\nrslider bounds(1, 1, 1, 1) channel(\"gone\")\n*/\n\
             #define AT bounds(5,\n\
             rslider $AT 6) channel(\"a\") /* inline */ range(0, 1, 0.5)\n\
             combobox bounds(0, 0,) channel(\"c\") text(\"One\", \"Two\", \"Three\") value(2)\n\
             texteditor bounds(0, 0, 50, 20) channel(\"t\") text(\"hello\")\n",
            10,
        )
        .unwrap();
        let channels: Vec<&str> = layout
            .widgets
            .iter()
            .map(|w| w.channels[0].as_str())
            .collect();
        assert_eq!(channels, ["a", "c", "t"], "the commented widget is gone");
        assert_eq!(layout.widgets[0].line, 15, "lines keep their numbers");
        assert_eq!(
            (layout.widgets[0].bounds.x, layout.widgets[0].bounds.y),
            (5.0, 6.0)
        );
        let combo = &layout.widgets[1];
        assert_eq!(combo.items, ["One", "Two", "Three"]);
        assert_eq!(
            (
                combo.ranges[0].min,
                combo.ranges[0].max,
                combo.ranges[0].default
            ),
            (1.0, 3.0, 2.0)
        );
        assert_eq!(layout.widgets[2].default_text.as_deref(), Some("hello"));
    }
}

/// What one `identChannel` message changes in its widget: the text an orchestra writes into the
/// widget's identifier channel (`chnset "visible(0) text(\"Hi\") pos(5, 6)", "ident"`) as
/// (identifier, numbers, text) updates, with Cabbage 2's names made plain: `visible`,
/// `active`, `text`, `colour`, `fontcolour`, `bounds`, `pos`, `size`, `value`. Unknown
/// identifiers are passed over, as Cabbage does.
pub fn ident_updates(message: &str) -> Vec<(String, Vec<f64>, String)> {
    let Ok(list) = identifier_list(message) else {
        return Vec::new();
    };
    list.into_iter()
        .filter_map(|(name, args)| {
            let name = match name.as_str() {
                "visible" | "active" | "text" | "bounds" | "pos" | "size" | "value" => name,
                "colour" | "color" | "colour:0" | "color:0" => "colour".into(),
                "fontcolour" | "fontcolor" | "fontcolour:0" => "fontcolour".into(),
                "label" | "caption" => "text".into(),
                _ => return None,
            };
            let numbers = args.iter().filter_map(Arg::number).collect();
            let text = match args.first() {
                Some(Arg::Text(t)) => t.clone(),
                _ => String::new(),
            };
            Some((name, numbers, text))
        })
        .collect()
}

#[cfg(test)]
mod ident_tests {
    use super::ident_updates;

    #[test]
    fn ident_messages_become_plain_updates() {
        let updates = ident_updates(
            "visible(0), text(\"Hi there\") pos(5, 6) colour(255, 0, 0) bogus(1) size(70,80)",
        );
        assert_eq!(
            updates,
            [
                ("visible".to_string(), vec![0.0], String::new()),
                ("text".to_string(), vec![], "Hi there".to_string()),
                ("pos".to_string(), vec![5.0, 6.0], String::new()),
                ("colour".to_string(), vec![255.0, 0.0, 0.0], String::new()),
                ("size".to_string(), vec![70.0, 80.0], String::new()),
            ]
        );
        assert!(ident_updates("").is_empty());
    }
}
