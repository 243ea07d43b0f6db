using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Features.Keys;

namespace Stockroom.Admin;

/// <summary>
/// What every edit page does, once. A GET shows the stored resource in its form, or is a 404. A
/// POST checks the scope the API's endpoint needs, loads the resource again, and then either says
/// nothing changed (the same values again make no new version and no event, as if the form had
/// not been sent twice), or calls the API's own handler and redirects with a message, or stays on
/// the page with the fields' messages and a 400.
/// </summary>
public abstract class EditPageModel<TResource, TForm, TRequest>(KeyRing keys, string scope, string fieldPrefix) : PageModel
    where TResource : class
    where TForm : class, new()
{
    public string Id { get; private set; } = "";

    public TResource? Resource { get; private set; }

    public TForm Form { get; private set; } = new();

    public FormFields Fields { get; } = new(fieldPrefix);

    public bool MayWrite { get; private set; }

    [TempData]
    public string? Message { get; set; }

    /// <summary>How messages name the resource: "Item", "Location", "Group".</summary>
    protected abstract string Noun { get; }

    /// <summary>Where a saved form goes: this page, by a GET.</summary>
    protected abstract string PathOf(string id);

    protected abstract Task<TResource?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>What the page shows beside the form: variants, groups, channels.</summary>
    protected virtual Task LoadBesideAsync(string id, CancellationToken cancellationToken) => Task.CompletedTask;

    protected abstract TForm FormOf(TResource resource);

    /// <summary>The API's request from the form; a value the form cannot turn into one is a message in <paramref name="fields"/>.</summary>
    protected abstract TRequest ToRequest(TForm form, FormFields fields);

    /// <summary>Whether the request would leave the stored resource as it is.</summary>
    protected abstract bool Same(TRequest stored, TRequest sent);

    /// <summary>The API endpoint's own handler.</summary>
    protected abstract Task<IResult> PutAsync(string id, TRequest request, CancellationToken cancellationToken);

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        Form = FormOf(Resource!);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, TForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, scope, cancellationToken))
        {
            return AdminSetup.Forbidden(scope);
        }

        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        Form = form;
        var request = ToRequest(form, Fields);
        if (!Fields.Failed)
        {
            if (Same(ToRequest(FormOf(Resource!), new FormFields("")), request))
            {
                Message = $"{Noun} {id} already had these values: nothing was changed.";
                return Redirect(PathOf(id));
            }

            if (Fields.Accepted(await PutAsync(id, request, cancellationToken)))
            {
                Message = $"{Noun} {id} saved.";
                return Redirect(PathOf(id));
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        Id = id;
        MayWrite = await AdminSetup.MayAsync(User, keys, scope, cancellationToken);
        Resource = Core.Identifier.IsValid(id) ? await FindAsync(id, cancellationToken) : null;
        if (Resource is null)
        {
            return false;
        }

        await LoadBesideAsync(id, cancellationToken);
        return true;
    }
}
