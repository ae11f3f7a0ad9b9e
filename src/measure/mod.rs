//! What is read from the media files themselves instead of trusting what the notes say: the
//! playing time of local audio ([`audio`]) and the shape and colours of cover and episode art
//! ([`art`]). Both read headers and frame headers only, never whole pictures or decoded sound.

pub mod art;
pub mod audio;
pub mod remote;
