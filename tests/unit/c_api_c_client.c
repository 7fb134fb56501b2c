/* A plain C99 client of the C API, compiled as C by c_api_test: proves the header is valid C and
 * shows the intended calling pattern (zeroed error, init helpers, free everything). */
#include <stdio.h>
#include <string.h>

#include "dailydrug/dailydrug_llm.h"

typedef struct {
  char text[4096];
  size_t len;
} collected_text;

static int collect(const char* piece, size_t len, void* user) {
  collected_text* c = (collected_text*)user;
  if (c->len + len >= sizeof c->text) return 1; /* full: stop the generation */
  memcpy(c->text + c->len, piece, len);
  c->len += len;
  c->text[c->len] = '\0';
  return 0;
}

/* Open `bundle_dir`, generate greedily for `prompt`, and report what happened.
 * Returns the C API's code; `streamed_equals_text` is set to 1 when the pieces concatenated to the
 * response text, `kind_name` receives the error kind's name on failure. */
int c_client_generate(const char* bundle_dir, const char* prompt, int* streamed_equals_text,
                      char* kind_name, size_t kind_name_size) {
  ddllm_error err = {0};
  ddllm_runner* runner = NULL;
  ddllm_request req;
  ddllm_response resp = {0};
  collected_text streamed = {{0}, 0};
  int rc = ddllm_open(bundle_dir, NULL, &runner, &err);
  *streamed_equals_text = 0;
  if (rc == DDLLM_OK) {
    ddllm_request_init(&req);
    req.prompt = prompt;
    req.has_temperature = 1;
    req.temperature = 0.0f;
    req.has_max_output_tokens = 1;
    req.max_output_tokens = 8;
    rc = ddllm_generate(runner, &req, collect, NULL, &streamed, &resp, &err);
    if (rc == DDLLM_OK) {
      *streamed_equals_text =
          streamed.len == resp.text_len && memcmp(streamed.text, resp.text, resp.text_len) == 0;
    }
    ddllm_response_free(&resp);
    ddllm_close(runner);
  }
  snprintf(kind_name, kind_name_size, "%s", err.kind_name != NULL ? err.kind_name : "");
  ddllm_error_free(&err);
  return rc;
}
