using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Macha.Web.Security;

/// <summary>
/// The sign-in form as plain server-rendered HTML. It needs no Blazor circuit, so it loads before
/// sign-in and works in any browser, and it carries an antiforgery token.
/// </summary>
internal static class SignInPage
{
    public static string Render(AntiforgeryTokenSet tokens, string returnUrl, string? message, string userName = "")
    {
        var encoder = HtmlEncoder.Default;
        var alert = message is null ? string.Empty : $"""<p class="alert" role="alert">{encoder.Encode(message)}</p>""";
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1.0" />
            <title>Sign in · Macha</title>
            <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
            <style>
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f5f5f5; color: #212121; }
            main { max-width: 22rem; margin: 12vh auto; padding: 1.5rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
            h1 { font-size: 1.4rem; margin: 0 0 1rem; }
            label { display: block; margin: .75rem 0 .25rem; }
            input { box-sizing: border-box; width: 100%; padding: .6rem; font-size: 1rem; border: 1px solid #9e9e9e; border-radius: 4px; }
            button { margin-top: 1.25rem; width: 100%; padding: .7rem; font-size: 1rem; border: 0; border-radius: 4px; background: #594ae2; color: #fff; }
            .alert { padding: .6rem; border-radius: 4px; background: #fdecea; color: #b71c1c; }
            </style>
            </head>
            <body>
            <main>
            <h1>Sign in to Macha</h1>
            {{alert}}
            <form method="post" action="/signin">
            <input type="hidden" name="{{encoder.Encode(tokens.FormFieldName)}}" value="{{encoder.Encode(tokens.RequestToken ?? string.Empty)}}" />
            <input type="hidden" name="returnUrl" value="{{encoder.Encode(returnUrl)}}" />
            <label for="userName">User name</label>
            <input id="userName" name="userName" autocomplete="username" autocapitalize="none" required value="{{encoder.Encode(userName)}}" />
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
            <button type="submit">Sign in</button>
            </form>
            </main>
            </body>
            </html>
            """;
    }

    public static string RenderMessage(string title, string message)
    {
        var encoder = HtmlEncoder.Default;
        return $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1.0" /><title>{encoder.Encode(title)} · Macha</title></head>
            <body style="font-family: system-ui, sans-serif; max-width: 30rem; margin: 12vh auto; padding: 0 1rem;">
            <h1 style="font-size: 1.4rem;">{encoder.Encode(title)}</h1>
            <p>{encoder.Encode(message)}</p>
            <p><a href="/signin">Back to sign-in</a></p>
            </body>
            </html>
            """;
    }
}
