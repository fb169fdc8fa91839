//! [`NotesStore`]: the notes, kept in SQLite, each owned by one user.
//!
//! Every method takes the owner (the token's subject) and only ever reads or changes that
//! owner's rows: a note of someone else is indistinguishable from a note that does not exist.
//! SQLite is blocking, so each call runs on tokio's blocking pool and never stalls the async
//! runtime; the one connection sits behind a mutex.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use fastapps_core::schemars::JsonSchema;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

/// The table, created at start-up when missing. `AUTOINCREMENT` keeps the ids of deleted notes
/// from being handed out again, so an old id never points at a newer note.
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS notes (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        owner      TEXT NOT NULL,
        title      TEXT NOT NULL,
        content    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS notes_by_owner ON notes (owner, id);
";

/// The current time in RFC 3339 (UTC, milliseconds), as SQLite writes it.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// The columns of a [`Note`], in the order [`note_from_row`] reads them.
const COLUMNS: &str = "id, title, content, created_at, updated_at";

/// One note, as the tools return it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(crate = "fastapps_core::schemars")]
pub(crate) struct Note {
    /// The note's id
    pub(crate) id: i64,
    /// The note's title
    pub(crate) title: String,
    /// The note's text
    pub(crate) content: String,
    /// When the note was created (RFC 3339, UTC)
    pub(crate) created_at: String,
    /// When the note was last changed (RFC 3339, UTC)
    pub(crate) updated_at: String,
}

/// Why the store failed. The tools log it and tell the caller only that the database failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The blocking task running the query did not finish (it panicked or was cancelled).
    #[error("the database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The notes of every user, in one SQLite database.
#[derive(Clone, Debug)]
pub struct NotesStore {
    conn: Arc<Mutex<Connection>>,
}

impl NotesStore {
    /// Opens (creating when missing) the database file at `path` and its table. Blocking: call
    /// it before serving or from a blocking task.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        // Another process holding the file briefly (a backup, a second server) is waited for.
        conn.busy_timeout(Duration::from_secs(5))?;
        Self::with_connection(conn)
    }

    /// A store in memory, gone when dropped.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(conn: Connection) -> Result<Self, StoreError> {
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `query` with the connection on the blocking pool.
    async fn run<T, F>(&self, query: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let result = tokio::task::spawn_blocking(move || {
            // A panic while the lock was held leaves the connection usable (SQLite rolls back an
            // unfinished statement), so a poisoned lock is taken over rather than failing forever.
            let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            query(&conn)
        })
        .await?;
        Ok(result?)
    }

    /// Creates a note owned by `owner`.
    pub(crate) async fn create(&self, owner: &str, title: &str, content: &str) -> Result<Note, StoreError> {
        let (owner, title, content) = (owner.to_owned(), title.to_owned(), content.to_owned());
        self.run(move |conn| {
            let sql = format!(
                "INSERT INTO notes (owner, title, content, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, {NOW}, {NOW}) RETURNING {COLUMNS}"
            );
            conn.query_row(&sql, params![owner, title, content], note_from_row)
        })
        .await
    }

    /// The note `id` of `owner`; `None` when it does not exist or belongs to someone else.
    pub(crate) async fn get(&self, owner: &str, id: i64) -> Result<Option<Note>, StoreError> {
        let owner = owner.to_owned();
        self.run(move |conn| {
            let sql = format!("SELECT {COLUMNS} FROM notes WHERE id = ?1 AND owner = ?2");
            conn.query_row(&sql, params![id, owner], note_from_row).optional()
        })
        .await
    }

    /// Every note of `owner`, oldest first.
    pub(crate) async fn list(&self, owner: &str) -> Result<Vec<Note>, StoreError> {
        let owner = owner.to_owned();
        self.run(move |conn| {
            let sql = format!("SELECT {COLUMNS} FROM notes WHERE owner = ?1 ORDER BY id");
            let mut statement = conn.prepare_cached(&sql)?;
            statement.query_map(params![owner], note_from_row)?.collect()
        })
        .await
    }

    /// Replaces the title and text of the note `id` of `owner`; `None` when it does not exist
    /// or belongs to someone else (and then nothing changes).
    pub(crate) async fn update(
        &self,
        owner: &str,
        id: i64,
        title: &str,
        content: &str,
    ) -> Result<Option<Note>, StoreError> {
        let (owner, title, content) = (owner.to_owned(), title.to_owned(), content.to_owned());
        self.run(move |conn| {
            let sql = format!(
                "UPDATE notes SET title = ?1, content = ?2, updated_at = {NOW} \
                 WHERE id = ?3 AND owner = ?4 RETURNING {COLUMNS}"
            );
            conn.query_row(&sql, params![title, content, id, owner], note_from_row).optional()
        })
        .await
    }

    /// Deletes the note `id` of `owner` and returns it; `None` when it does not exist or belongs
    /// to someone else (and then nothing is deleted).
    pub(crate) async fn delete(&self, owner: &str, id: i64) -> Result<Option<Note>, StoreError> {
        let owner = owner.to_owned();
        self.run(move |conn| {
            let sql = format!("DELETE FROM notes WHERE id = ?1 AND owner = ?2 RETURNING {COLUMNS}");
            conn.query_row(&sql, params![id, owner], note_from_row).optional()
        })
        .await
    }
}

fn note_from_row(row: &Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: row.get(0)?,
        title: row.get(1)?,
        content: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "auth0|alice";
    const BOB: &str = "auth0|bob";

    fn store() -> NotesStore {
        NotesStore::in_memory().expect("an in-memory database opens")
    }

    /// `2025-01-31T12:34:56.789Z`: RFC 3339 in UTC with milliseconds.
    fn is_rfc3339(s: &str) -> bool {
        let b = s.as_bytes();
        let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
        b.len() == 24
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && b[10] == b'T'
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16)
            && b[16] == b':'
            && digits(17..19)
            && b[19] == b'.'
            && digits(20..23)
            && b[23] == b'Z'
    }

    #[tokio::test]
    async fn a_created_note_reads_back() {
        let store = store();
        let note = store.create(ALICE, "Groceries", "Eggs, milk").await.unwrap();
        assert_eq!((note.title.as_str(), note.content.as_str()), ("Groceries", "Eggs, milk"));
        assert!(is_rfc3339(&note.created_at), "{}", note.created_at);
        assert_eq!(note.created_at, note.updated_at);
        assert_eq!(store.get(ALICE, note.id).await.unwrap(), Some(note.clone()));
        let second = store.create(ALICE, "Ideas", "").await.unwrap();
        assert!(second.id > note.id);
    }

    #[tokio::test]
    async fn a_missing_note_is_none() {
        let store = store();
        assert_eq!(store.get(ALICE, 42).await.unwrap(), None);
        assert_eq!(store.update(ALICE, 42, "t", "c").await.unwrap(), None);
        assert_eq!(store.delete(ALICE, 42).await.unwrap(), None);
        assert_eq!(store.list(ALICE).await.unwrap(), Vec::new());
    }

    #[tokio::test]
    async fn a_list_holds_only_the_owners_notes_oldest_first() {
        let store = store();
        let a1 = store.create(ALICE, "first", "1").await.unwrap();
        let b1 = store.create(BOB, "bob's", "secret").await.unwrap();
        let a2 = store.create(ALICE, "second", "2").await.unwrap();
        assert_eq!(store.list(ALICE).await.unwrap(), vec![a1, a2]);
        assert_eq!(store.list(BOB).await.unwrap(), vec![b1]);
    }

    #[tokio::test]
    async fn another_users_note_is_as_good_as_missing() {
        let store = store();
        let note = store.create(ALICE, "Diary", "private").await.unwrap();
        assert_eq!(store.get(BOB, note.id).await.unwrap(), None);
        assert_eq!(store.update(BOB, note.id, "mine now", "hacked").await.unwrap(), None);
        assert_eq!(store.delete(BOB, note.id).await.unwrap(), None);
        // Untouched by any of that.
        assert_eq!(store.get(ALICE, note.id).await.unwrap(), Some(note));
    }

    #[tokio::test]
    async fn an_update_replaces_title_and_content_and_keeps_created_at() {
        let store = store();
        let note = store.create(ALICE, "Draft", "v1").await.unwrap();
        let updated = store.update(ALICE, note.id, "Final", "v2").await.unwrap().expect("the note exists");
        assert_eq!((updated.id, updated.title.as_str(), updated.content.as_str()), (note.id, "Final", "v2"));
        assert_eq!(updated.created_at, note.created_at);
        assert!(is_rfc3339(&updated.updated_at) && updated.updated_at >= note.updated_at);
        assert_eq!(store.get(ALICE, note.id).await.unwrap(), Some(updated));
    }

    #[tokio::test]
    async fn a_deleted_note_is_gone_and_its_id_is_not_reused() {
        let store = store();
        let note = store.create(ALICE, "Temp", "x").await.unwrap();
        assert_eq!(store.delete(ALICE, note.id).await.unwrap(), Some(note.clone()));
        assert_eq!(store.get(ALICE, note.id).await.unwrap(), None);
        assert_eq!(store.delete(ALICE, note.id).await.unwrap(), None);
        let next = store.create(ALICE, "Next", "y").await.unwrap();
        assert!(next.id > note.id);
    }

    #[tokio::test]
    async fn text_is_stored_verbatim() {
        let store = store();
        let tricky = "'; DROP TABLE notes; -- ünïcödé 🍕\nsecond line";
        let note = store.create(ALICE, tricky, tricky).await.unwrap();
        let read = store.get(ALICE, note.id).await.unwrap().expect("the note exists");
        assert_eq!((read.title.as_str(), read.content.as_str()), (tricky, tricky));
    }

    #[tokio::test]
    async fn a_database_file_keeps_the_notes_across_opens() {
        let dir = std::env::temp_dir().join(format!("notes-store-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notes.db");
        let _ = std::fs::remove_file(&path);
        let note = NotesStore::open(&path).unwrap().create(ALICE, "Kept", "on disk").await.unwrap();
        let reopened = NotesStore::open(&path).unwrap();
        assert_eq!(reopened.get(ALICE, note.id).await.unwrap(), Some(note));
        drop(reopened);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
