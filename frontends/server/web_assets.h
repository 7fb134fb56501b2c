// The web app's files (frontends/server/web/), embedded into the binary at build time by
// embed_web.cmake, so that `dailydrug serve` needs no files next to it.
#pragma once

#include <span>
#include <string_view>

namespace dailydrug::server {

struct WebAsset {
  std::string_view path;          // URL path, e.g. "/app.js" ("/index.html" also serves "/")
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view data;
};

/// Every embedded file.
std::span<const WebAsset> web_assets();
/// The file for a URL path ("/" = "/index.html"), or nullptr.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace dailydrug::server
