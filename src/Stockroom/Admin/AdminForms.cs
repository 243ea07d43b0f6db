using Microsoft.AspNetCore.Mvc;

namespace Stockroom.Admin;

/// <summary>What the admin forms answer a visitor whose key may not use them.</summary>
public static class AdminForms
{
    /// <summary>
    /// A plain 403. <c>Forbid()</c> would hand the signed-in visitor to the cookie scheme, which
    /// sends them to sign in again as though their key were unknown; the key is known, and the
    /// answer is that it may not do this, as the API answers it.
    /// </summary>
    public static IActionResult Refused() => new StatusCodeResult(StatusCodes.Status403Forbidden);
}
