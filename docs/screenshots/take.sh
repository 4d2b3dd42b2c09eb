#!/usr/bin/env bash
# Retakes the README's screenshots, overview.png and approval.png, in this directory. The browser
# test behind them starts the whole app on 127.0.0.1 with a scripted host "web-1" beside this
# machine (shown as "controller"), signs in, and photographs the pages with Debian's headless
# chromium. It needs what the tests need: chromium, Node.js for the Chroma server, and the .NET SDK.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

MACHA_README_SCREENSHOTS="$here" dotnet test "$root/Macha.Tests/Macha.Tests.csproj" \
    --filter "FullyQualifiedName~DashboardTourTests.ReadmeScreenshots"
ls -l "$here/overview.png" "$here/approval.png"
