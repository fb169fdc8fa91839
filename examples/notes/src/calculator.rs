//! The calculator tools: four operations on two numbers, for callers granted `use:calculator`.

use fastapps_core::prelude::*;
use fastapps_core::schemars::JsonSchema;
use serde::Serialize;

/// The answer of a calculator tool.
#[derive(Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(crate = "fastapps_core::schemars")]
pub(crate) struct Calculation {
    /// The result of the operation
    result: f64,
}

/// An arithmetic operation.
#[derive(Clone, Copy, Debug)]
enum Operation {
    Add,
    Subtract,
    Multiply,
    Divide,
}

impl Operation {
    fn symbol(self) -> char {
        match self {
            Self::Add => '+',
            Self::Subtract => '-',
            Self::Multiply => '*',
            Self::Divide => '/',
        }
    }

    /// `a op b`, or why it has no answer.
    fn apply(self, a: f64, b: f64) -> Result<f64, &'static str> {
        let result = match self {
            Self::Add => a + b,
            Self::Subtract => a - b,
            Self::Multiply => a * b,
            Self::Divide if b == 0.0 => return Err("Cannot divide by zero."),
            Self::Divide => a / b,
        };
        // JSON has no infinity: a result past f64's range is an error, not a `null`.
        if result.is_finite() { Ok(result) } else { Err("The result is too large to represent.") }
    }

    /// The tool's output: `{ "result": n }` and a line such as `2 + 3 = 5`.
    fn answer(self, a: f64, b: f64) -> Result<ToolOutput> {
        let result = self.apply(a, b).map_err(Error::msg)?;
        Ok(ToolOutput::serialize(&Calculation { result })?.with_text(format!("{a} {} {b} = {result}", self.symbol())))
    }
}

/// Add two numbers.
#[tool(title = "Add numbers", output = Calculation, read_only, idempotent)]
#[auth_required(scopes = ["use:calculator"])]
pub(crate) struct AddNumbers {
    /// The first number
    a: f64,
    /// The number to add to it
    b: f64,
}

impl Tool for AddNumbers {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Operation::Add.answer(self.a, self.b)
    }
}

/// Subtract one number from another.
#[tool(title = "Subtract numbers", output = Calculation, read_only, idempotent)]
#[auth_required(scopes = ["use:calculator"])]
pub(crate) struct SubtractNumbers {
    /// The number to subtract from
    a: f64,
    /// The number to subtract
    b: f64,
}

impl Tool for SubtractNumbers {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Operation::Subtract.answer(self.a, self.b)
    }
}

/// Multiply two numbers.
#[tool(title = "Multiply numbers", output = Calculation, read_only, idempotent)]
#[auth_required(scopes = ["use:calculator"])]
pub(crate) struct MultiplyNumbers {
    /// The first factor
    a: f64,
    /// The second factor
    b: f64,
}

impl Tool for MultiplyNumbers {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Operation::Multiply.answer(self.a, self.b)
    }
}

/// Divide one number by another; dividing by zero is an error.
#[tool(title = "Divide numbers", output = Calculation, read_only, idempotent)]
#[auth_required(scopes = ["use:calculator"])]
pub(crate) struct DivideNumbers {
    /// The dividend
    a: f64,
    /// The divisor (not zero)
    b: f64,
}

impl Tool for DivideNumbers {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Operation::Divide.answer(self.a, self.b)
    }
}

#[cfg(test)]
mod tests {
    use fastapps_core::serde_json::json;

    use super::*;

    #[test]
    fn the_four_operations() {
        assert_eq!(Operation::Add.apply(2.0, 3.5), Ok(5.5));
        assert_eq!(Operation::Subtract.apply(2.0, 3.5), Ok(-1.5));
        assert_eq!(Operation::Multiply.apply(-2.0, 3.5), Ok(-7.0));
        assert_eq!(Operation::Divide.apply(7.0, 2.0), Ok(3.5));
    }

    #[test]
    fn no_division_by_zero_and_no_infinity() {
        assert_eq!(Operation::Divide.apply(1.0, 0.0), Err("Cannot divide by zero."));
        assert_eq!(Operation::Divide.apply(1.0, -0.0), Err("Cannot divide by zero."));
        assert_eq!(Operation::Multiply.apply(f64::MAX, 2.0), Err("The result is too large to represent."));
    }

    #[test]
    fn the_answer_is_structured_with_a_short_text() {
        let result = Operation::Add.answer(2.0, 3.0).unwrap().into_result();
        assert_eq!(result.structured_content, Some(json!({ "result": 5.0 })));
        assert_eq!(result.content[0].as_text(), Some("2 + 3 = 5"));
        assert!(!result.is_error);
    }

    #[test]
    fn a_division_by_zero_is_an_error_with_the_reason() {
        let err = Operation::Divide.answer(1.0, 0.0).unwrap_err();
        assert_eq!(err.to_string(), "Cannot divide by zero.");
        assert!(err.as_rpc().is_none(), "an isError result, not a JSON-RPC error");
    }
}
