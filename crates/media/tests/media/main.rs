//! The media crate's integration tests, one binary (rustls's pattern): one module per
//! behaviour, each named after what it shows.

mod espeak_ng_voices_and_synthesis;
mod g711_bit_exact_against_sox;
mod opus_encodes_20ms_frames;
mod reading_pauses_and_shared_frames;
mod render_cache_avoids_resynthesis;
mod resampler_is_anti_aliased;
mod shipped_audio_is_uniform;
mod spelling_lookup_and_language_fallback;
mod wav_garbage_is_a_typed_error;
mod wav_reads_every_supported_encoding;
