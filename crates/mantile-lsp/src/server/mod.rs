//! The language server (see issue 4). Built over the same engine as `check`.
