package org.dailydrug.llm;

import java.util.Arrays;

/** The result of {@link LocalLlm#generate}, shaped like DailyDrug's {@code LlmResponse}. */
public final class LlmResponse {
  /** Finish reasons, as returned by {@link #getFinishReason()}. */
  public static final String FINISH_STOP = "stop";
  public static final String FINISH_LENGTH = "length";
  public static final String FINISH_CANCELLED = "cancelled";

  private final String text;
  private final int inputTokens;
  private final int outputTokens;
  private final int totalTokens;
  private final String finishReason;
  private final int[] outputIds;
  private final long seed;

  /** Built by the native layer (and by fakes in tests of code that uses this binding). */
  public LlmResponse(String text, int inputTokens, int outputTokens, int totalTokens,
      String finishReason, int[] outputIds, long seed) {
    this.text = text;
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
    this.totalTokens = totalTokens;
    this.finishReason = finishReason;
    this.outputIds = outputIds.clone();
    this.seed = seed;
  }

  /** The reply: special tokens removed, newlines and bullets kept. */
  public String getText() {
    return text;
  }

  /** Prompt tokens, template included. */
  public int getInputTokens() {
    return inputTokens;
  }

  /** Generated tokens, including a final end-of-sequence token if one was sampled. */
  public int getOutputTokens() {
    return outputTokens;
  }

  public int getTotalTokens() {
    return totalTokens;
  }

  /** {@link #FINISH_STOP} (end of sequence or a stop string), {@link #FINISH_LENGTH} (token
   * budget or context reached) or {@link #FINISH_CANCELLED} ({@link LocalLlm#cancel()}). */
  public String getFinishReason() {
    return finishReason;
  }

  /** The generated token ids (a copy). */
  public int[] getOutputIds() {
    return outputIds.clone();
  }

  /** The sampling seed actually used (an unsigned 64-bit value): pass it back to reproduce. */
  public long getSeed() {
    return seed;
  }

  @Override
  public String toString() {
    return "LlmResponse{finishReason=" + finishReason + ", inputTokens=" + inputTokens
        + ", outputTokens=" + outputTokens + ", totalTokens=" + totalTokens + ", outputIds="
        + Arrays.toString(outputIds) + ", text=" + text + "}";
  }
}
