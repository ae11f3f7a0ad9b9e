//! The build's old name, kept so that code written against `crate::pipeline` still compiles:
//! everything here is [`crate::build`], which runs a build as an ordered list of stages.

pub use crate::build::*;
