//! The call crate's one error type.

/// What can go wrong building or running a call before it reaches the wire.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The call has neither a code nor a code prompt, so a reading would be empty.
    #[error("the call has nothing to read: no code and no code prompt")]
    NothingToRead,
}
