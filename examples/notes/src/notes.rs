//! The note tools: create, read, list, update and delete the signed-in user's notes.
//!
//! The owner of every note is the access token's subject (`ctx.user()?.subject()`), the only
//! identity a tool may authorize with; hints a client sends (such as `openai/subject`) prove
//! nothing. A note of another user answers exactly like a missing one.

use fastapps_core::prelude::*;
use fastapps_core::schemars::JsonSchema;
use serde::Serialize;

use crate::store::{Note, NotesStore, StoreError};

/// The store, given to the server with `.state(store)`.
fn store(ctx: &Context) -> Result<&NotesStore> {
    Ok(ctx.state::<NotesStore>()?)
}

/// The caller: the subject of the verified access token.
fn owner(ctx: &Context) -> Result<&str> {
    Ok(ctx.user()?.subject())
}

/// The answer for a note that does not exist, or exists for someone else.
fn no_note(id: i64) -> Error {
    Error::msg(format!("No note with id {id}."))
}

/// A database failure: logged in full, reported to the caller without SQLite's details.
fn database_failed(error: StoreError) -> Error {
    tracing::error!(%error, "notes database");
    Error::msg("The notes database failed; please try again.")
}

/// A title must say something.
fn check_title(title: &str) -> Result<()> {
    if title.trim().is_empty() { Err(Error::msg("A note needs a title that is not blank.")) } else { Ok(()) }
}

/// A note with a line for the model, e.g. `Created note 3, "Groceries".`
fn note_output(verb: &str, note: &Note) -> Result<ToolOutput> {
    let text = format!("{verb} note {}, {:?}.", note.id, note.title);
    Ok(ToolOutput::serialize(note)?.with_text(text))
}

/// The signed-in user's notes, oldest first.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(crate = "fastapps_core::schemars")]
pub(crate) struct NoteList {
    /// The notes, oldest first
    notes: Vec<Note>,
}

/// Create a note for the signed-in user.
#[tool(title = "Create note", output = Note)]
#[auth_required(scopes = ["write:notes"])]
pub(crate) struct CreateNote {
    /// The note's title, e.g. "Groceries"
    title: String,
    /// The note's text
    content: String,
}

impl Tool for CreateNote {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        check_title(&self.title)?;
        let note = store(ctx)?.create(owner(ctx)?, &self.title, &self.content).await.map_err(database_failed)?;
        note_output("Created", &note)
    }
}

/// Read one of the signed-in user's notes by its id.
#[tool(title = "Read note", output = Note, read_only)]
#[auth_required(scopes = ["read:notes"])]
pub(crate) struct ReadNote {
    /// The note's id, as `create_note` or `list_notes` gave it
    note_id: i64,
}

impl Tool for ReadNote {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let note = store(ctx)?.get(owner(ctx)?, self.note_id).await.map_err(database_failed)?;
        // The model reads the whole note (the default text is the JSON).
        ToolOutput::serialize(&note.ok_or_else(|| no_note(self.note_id))?)
    }
}

/// List the signed-in user's notes, oldest first.
#[tool(title = "List notes", output = NoteList, read_only)]
#[auth_required(scopes = ["read:notes"])]
pub(crate) struct ListNotes {}

impl Tool for ListNotes {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let notes = store(ctx)?.list(owner(ctx)?).await.map_err(database_failed)?;
        ToolOutput::serialize(&NoteList { notes })
    }
}

/// Replace the title and text of one of the signed-in user's notes.
#[tool(title = "Update note", output = Note, idempotent)]
#[auth_required(scopes = ["write:notes"])]
pub(crate) struct UpdateNote {
    /// The note's id
    note_id: i64,
    /// The new title
    title: String,
    /// The new text, replacing the old one
    content: String,
}

impl Tool for UpdateNote {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        check_title(&self.title)?;
        let updated =
            store(ctx)?.update(owner(ctx)?, self.note_id, &self.title, &self.content).await.map_err(database_failed)?;
        note_output("Updated", &updated.ok_or_else(|| no_note(self.note_id))?)
    }
}

/// Delete one of the signed-in user's notes for good.
#[tool(title = "Delete note", output = Note, destructive)]
#[auth_required(scopes = ["write:notes"])]
pub(crate) struct DeleteNote {
    /// The note's id
    note_id: i64,
}

impl Tool for DeleteNote {
    async fn execute(self, ctx: &Context) -> Result<ToolOutput> {
        let deleted = store(ctx)?.delete(owner(ctx)?, self.note_id).await.map_err(database_failed)?;
        note_output("Deleted", &deleted.ok_or_else(|| no_note(self.note_id))?)
    }
}

#[cfg(test)]
mod tests {
    use fastapps_core::serde_json::json;

    use super::*;

    #[test]
    fn a_missing_note_is_an_error_result_naming_the_id() {
        let err = no_note(7);
        assert_eq!(err.to_string(), "No note with id 7.");
        assert!(err.as_rpc().is_none(), "an isError result, not a JSON-RPC error");
    }

    #[test]
    fn a_blank_title_is_refused() {
        assert!(check_title("Groceries").is_ok());
        assert_eq!(
            check_title(" \n").map_err(|e| e.to_string()),
            Err("A note needs a title that is not blank.".into())
        );
    }

    #[test]
    fn a_note_output_is_the_note_with_a_line() {
        let note = Note {
            id: 3,
            title: "Groceries".into(),
            content: "Eggs".into(),
            created_at: "2025-01-31T12:00:00.000Z".into(),
            updated_at: "2025-01-31T12:00:00.000Z".into(),
        };
        let result = note_output("Created", &note).unwrap().into_result();
        assert_eq!(
            result.structured_content,
            Some(json!({
                "id": 3, "title": "Groceries", "content": "Eggs",
                "created_at": "2025-01-31T12:00:00.000Z", "updated_at": "2025-01-31T12:00:00.000Z"
            }))
        );
        assert_eq!(result.content[0].as_text(), Some("Created note 3, \"Groceries\"."));
    }
}
