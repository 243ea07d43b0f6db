using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Stockroom.Admin;

/// <summary>
/// What an API handler answered, as a form shows it. The admin forms call the API's own handlers
/// (same validation, same writes, same events), so a refusal is a problem+json result; this turns it
/// into the message above the form and the messages beside its fields.
/// </summary>
public sealed record AdminOutcome(bool Succeeded, string Message, IReadOnlyDictionary<string, string[]> FieldErrors)
{
    public static AdminOutcome From(IResult result, string success)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result is ProblemHttpResult problem)
        {
            var details = problem.ProblemDetails;
            var errors = details is HttpValidationProblemDetails validation ? validation.Errors : new Dictionary<string, string[]>();
            return new AdminOutcome(false, $"{details.Title} {details.Detail}".Trim(), new Dictionary<string, string[]>(errors, StringComparer.OrdinalIgnoreCase));
        }

        return new AdminOutcome(true, success, new Dictionary<string, string[]>());
    }

    /// <summary>What a page keeps for its next GET: the message when it succeeded, the refusal when not.</summary>
    public (string? Message, string? Refusal) Flash => Succeeded ? (Message, null) : (null, Message);

    /// <summary>Copies the field messages into the page's model state, where the form's fields show them.</summary>
    public void CopyTo(ModelStateDictionary modelState, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(modelState);
        foreach (var (field, messages) in FieldErrors)
        {
            foreach (var message in messages)
            {
                modelState.AddModelError(prefix + field, message);
            }
        }

        if (!Succeeded && FieldErrors.Count == 0)
        {
            modelState.AddModelError(string.Empty, Message);
        }
    }
}
