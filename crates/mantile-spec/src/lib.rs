//! Recomputes the calculations in Mantile's Markdown test specs.

mod expr;
mod lex;
pub mod num;

pub use expr::eval_expr;
pub use num::{Interval, Rational};
