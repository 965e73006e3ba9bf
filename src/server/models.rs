//! The models a server answers with: each loaded from its file, checked, and named; the set
//! sits behind a handle that swaps it whole, so a reload never blocks a request nor drops
//! one (a request keeps the set it started with until it ends).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::pipeline::model::Model;

/// Where a served model comes from: its name in requests and its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub name: String,
    pub path: PathBuf,
}

impl ModelSpec {
    /// `NAME=PATH`, or a bare `PATH` named after its file stem (`models/en.model` → `en`).
    /// A name is letters, digits, `-`, `_` and `.`; an argument whose part before `=` is not
    /// a name is a path.
    pub fn parse(arg: &str) -> std::result::Result<ModelSpec, String> {
        if let Some((name, path)) = arg.split_once('=') {
            if is_name(name) && !path.is_empty() {
                return Ok(ModelSpec {
                    name: name.to_string(),
                    path: path.into(),
                });
            }
        }
        if arg.is_empty() {
            return Err("give a model file, or NAME=PATH".into());
        }
        let path = PathBuf::from(arg);
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !is_name(&stem) {
            return Err(format!(
                "{arg:?}: its file name does not make a model name (letters, digits, -, _ and .): \
                 give one as NAME=PATH"
            ));
        }
        Ok(ModelSpec { name: stem, path })
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A model ready to score, with what a response says of it.
pub struct Served {
    pub name: String,
    pub path: PathBuf,
    /// SHA-256 of the model file, as `sha256sum` gives it.
    pub sha256: String,
    pub model: Model,
}

impl Served {
    /// Reads, checks and hashes the model file of `spec`. The file is read once, so the
    /// hash is that of the bytes loaded even if the file is replaced meanwhile.
    pub fn load(spec: &ModelSpec) -> Result<Served> {
        let path = &spec.path;
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display().to_string(), e))?;
        if !meta.is_file() {
            // Model::load says what it is (a folder, a FIFO ...) without reading it.
            Model::load(path)?;
            return Err(Error::model(path, "is not a regular file"));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
        let model = Model::from_bytes(&bytes, path)?;
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Served {
            name: spec.name.clone(),
            path: path.clone(),
            sha256,
            model,
        })
    }

    /// The model file's format version.
    pub fn version(&self) -> u32 {
        self.model.meta.file_version()
    }

    /// Whether the model scores a post only beside the others of its batch (its
    /// coordination features are counted over the batch).
    pub fn needs_batch(&self) -> bool {
        self.model.needs_batch_columns().is_some()
    }
}

/// The models served, the first the default.
pub struct Registry {
    pub models: Vec<Arc<Served>>,
}

impl Registry {
    /// Loads every model of `specs`; the first error stops it (names must differ).
    pub fn load(specs: &[ModelSpec]) -> Result<Registry> {
        if specs.is_empty() {
            return Err(Error::param(
                "model",
                "(none)",
                "give at least one model file",
            ));
        }
        for (i, s) in specs.iter().enumerate() {
            if specs[..i].iter().any(|t| t.name == s.name) {
                return Err(Error::param(
                    "model",
                    &s.name,
                    "two models have this name: name them with NAME=PATH",
                ));
            }
        }
        let models = specs
            .iter()
            .map(|s| Served::load(s).map(Arc::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Registry { models })
    }

    /// The model named `name`, or the default (the first) for `None`.
    pub fn get(&self, name: Option<&str>) -> Option<&Arc<Served>> {
        match name {
            None => self.models.first(),
            Some(n) => self.models.iter().find(|m| m.name == n),
        }
    }

    /// The names, for a message.
    pub fn names(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.name.as_str()).collect()
    }
}

/// The current set of models, swapped whole by [`Models::replace`].
pub struct Models {
    specs: Vec<ModelSpec>,
    current: RwLock<Arc<Registry>>,
}

impl Models {
    /// Loads `specs` (an error if any model cannot be used).
    pub fn load(specs: Vec<ModelSpec>) -> Result<Models> {
        let registry = Registry::load(&specs)?;
        Ok(Models {
            specs,
            current: RwLock::new(Arc::new(registry)),
        })
    }

    /// The set in use now; a request holds it to its end.
    pub fn current(&self) -> Arc<Registry> {
        // The lock guards only the swap of one pointer: a panic cannot leave it half done.
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Loads every model again from its file and, when all load and check, puts the new set
    /// in place of the old; on an error the old set stays. Blocking: call it off the
    /// executor.
    pub fn reload(&self) -> Result<Arc<Registry>> {
        let fresh = Arc::new(Registry::load(&self.specs)?);
        let mut g = match self.current.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *g = fresh.clone();
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::ModelSpec;

    #[test]
    fn model_arguments() {
        let s = ModelSpec::parse("models/trollwatch-en.model").unwrap();
        assert_eq!(
            (s.name.as_str(), s.path.to_str()),
            ("trollwatch-en", Some("models/trollwatch-en.model"))
        );
        let s = ModelSpec::parse("en=models/a.model").unwrap();
        assert_eq!(
            (s.name.as_str(), s.path.to_str()),
            ("en", Some("models/a.model"))
        );
        // A path with `=` in a folder name is a path.
        let s = ModelSpec::parse("runs/c=2/m.model").unwrap();
        assert_eq!(
            (s.name.as_str(), s.path.to_str()),
            ("m", Some("runs/c=2/m.model"))
        );
        assert!(ModelSpec::parse("").is_err());
        assert!(ModelSpec::parse("models/é è.model").is_err());
    }
}
