//! Application state given to the server builder and read by handlers through the
//! `Context::state`: a database pool, a client, a configuration.

use std::any::{Any, TypeId};
use std::collections::HashMap;

/// Values by type.
#[derive(Default)]
pub(crate) struct AppState {
    values: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("values", &self.values.len()).finish()
    }
}

impl AppState {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Box::new(value));
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.values.get(&TypeId::of::<T>())?.downcast_ref()
    }
}
