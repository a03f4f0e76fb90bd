//! The media crate's integration tests, one binary (rustls's pattern): one module per
//! behaviour, each named after what it shows, and shared helpers in `common`.

mod common;

mod asterisk_import_prepares_every_character;
mod espeak_ng_voices_and_synthesis;
mod espeak_runs_with_an_empty_environment;
mod g711_bit_exact_against_sox;
mod opus_encodes_20ms_frames;
mod otp_code_is_redacted_and_wiped;
mod prompt_cache_has_a_byte_budget;
mod reading_pauses_and_shared_frames;
mod render_cache_avoids_resynthesis;
mod renders_in_flight_are_shared;
mod resampler_is_anti_aliased;
mod shipped_audio_is_uniform;
mod spelling_lookup_and_language_fallback;
mod ssml_allow_list;
mod ssml_fuzz_corpus_never_panics;
mod tts_output_is_cut_at_max_prompt_seconds;
mod wav_garbage_is_a_typed_error;
mod wav_reads_every_supported_encoding;
