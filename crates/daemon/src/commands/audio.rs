//! `voice-otp audio`: managing spelling sets on this machine.
//!
//! `voice-otp audio import-asterisk DIR --lang xx-YY [--gender Female|Male]` turns an
//! Asterisk sounds directory (`digits/<n>`, `letters/<x>`, optionally `phonetic/<x>_p`; WAV
//! of any rate or encoding, or Asterisk's raw `sln16`/`sln`/`alaw`/`ulaw`) into a recorded
//! spelling set `<recorded>/<xx-YY>/<female|male>/`, trimmed and levelled like the shipped
//! sets. A directory lacking a character is refused, naming every missing one, and nothing
//! is written.

use std::path::PathBuf;

use voice_otp_media::{Gender, import_asterisk};

use super::CommandError;

/// Command-line arguments of `voice-otp audio`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: AudioCommand,
}

/// The subcommands of `voice-otp audio`.
#[derive(Debug, clap::Subcommand)]
pub enum AudioCommand {
    /// Import a human spelling set from an Asterisk sounds directory.
    ImportAsterisk(ImportArgs),
}

/// Command-line arguments of `voice-otp audio import-asterisk`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The Asterisk sounds directory, e.g. /usr/share/asterisk/sounds/en_US_f_Allison.
    pub dir: PathBuf,
    /// The locale the set speaks, such as en-US (its directory name in the recorded sets).
    #[arg(long, value_parser = parse_lang)]
    pub lang: String,
    /// The speaker's gender: the set reads codes of voices of this gender first.
    #[arg(long, default_value = "Female", value_parser = parse_gender)]
    pub gender: Gender,
    /// The recorded spelling sets (`[audio] recorded` of the daemon).
    #[arg(long, default_value = "./data/voices")]
    pub recorded: PathBuf,
}

/// `xx-YY`: a language and a region, the form `voice.language` uses.
fn parse_lang(s: &str) -> Result<String, String> {
    let ok = s.split_once('-').is_some_and(|(l, r)| {
        (2..=3).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_lowercase())
            && r.len() == 2
            && r.bytes().all(|b| b.is_ascii_uppercase())
    });
    if ok {
        Ok(s.to_owned())
    } else {
        Err("expected a locale such as en-US".to_owned())
    }
}

/// The API's names in any letter case, and its integers (0 Male, 1 Female).
pub(crate) fn parse_gender(s: &str) -> Result<Gender, String> {
    match s.to_ascii_lowercase().as_str() {
        "female" | "1" => Ok(Gender::Female),
        "male" | "0" => Ok(Gender::Male),
        _ => Err("expected Female or Male".to_owned()),
    }
}

/// Runs `voice-otp audio`.
pub fn run(args: Args) -> Result<(), CommandError> {
    match args.command {
        AudioCommand::ImportAsterisk(a) => {
            let gender = match a.gender {
                Gender::Female => "female",
                Gender::Male => "male",
            };
            let dst = a.recorded.join(&a.lang).join(gender);
            let set = import_asterisk(&a.dir, &dst)?;
            println!(
                "{}: {} characters, {} phonetic words",
                dst.display(),
                set.characters,
                set.phonetic
            );
            Ok(())
        }
    }
}
