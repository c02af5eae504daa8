// Starts the vendored Swagger UI on the API's OpenAPI document. A file of its
// own, not an inline script: the portal's Content-Security-Policy forbids those.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    layout: "BaseLayout",
  });
});
