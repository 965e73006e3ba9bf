//! Posts as text: reading labeled and unlabeled files ([`dataset`]) and checking the rows a
//! model would learn from ([`dataset::rowcheck`]), turning a post into terms ([`tokenize`]) and terms
//! into TF-IDF rows ([`vectorize`], [`vocab`]), and the synthetic demo posts ([`synth`]).

pub mod dataset;
pub mod synth;
pub mod tokenize;
pub mod vectorize;
pub mod vocab;
