package org.dailydrug.llm;

/**
 * Receives a generation's output while {@link LocalLlm#generate} runs, on the thread that called
 * it (shaped like ExecuTorch's {@code LlmCallback}).
 *
 * <p>An exception thrown by a method of the callback stops the generation: no further callbacks
 * are made and {@code generate} rethrows that exception once the native call has returned. The
 * runner stays usable. A callback may call {@link LocalLlm#cancel()} and {@link LocalLlm#close()}
 * (the close then happens when {@code generate} returns); {@code generate}, {@code reset} and
 * {@code unload} from inside a callback fail with {@link LocalLlmException.Kind#GenerationFailed}.
 */
@FunctionalInterface
public interface LlmCallback {
  /**
   * One piece of the reply, as soon as it is decoded. Pieces never split a character, and without a
   * cancel or an exception they concatenate to {@link LlmResponse#getText()}.
   */
  void onText(String piece);

  /**
   * Timing of the finished generation as a JSON object: prompt_tokens, reused_prefix_tokens,
   * generated_tokens, ttft_ms, prefill_ms, decode_ms, prefill_tokens_per_s, decode_tokens_per_s,
   * peak_rss_kb, for speculative decoding drafted_tokens, accepted_tokens and verify_calls
   * (0 when it was not used), and restored_prefix_tokens (the cached prompt tokens that came from
   * a prefix snapshot file of an earlier start). Called once, after the last {@link #onText}, only when the
   * generation succeeds.
   */
  default void onStats(String json) {}
}
