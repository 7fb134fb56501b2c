package org.dailydrug.llm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One generation request, shaped like DailyDrug's {@code LlmRequest}. Immutable; build it with
 * {@link #builder(String)}. Every nullable setting left {@code null} takes the model bundle's
 * default (model_config.json). Ranges are checked by the runtime, which reports a value out of
 * range as {@link LocalLlmException.Kind#ConfigurationInvalid} with the key name
 * ("temperature", "top_k", "top_p", "min_p", "repetition_penalty", "max_output_tokens",
 * "timeout_ms").
 */
public final class LlmRequest {
  /** DailyDrug's default wall-clock limit for one call. */
  public static final long DEFAULT_TIMEOUT_MS = 30_000L;

  private final String prompt;
  private final List<String> systemInstructions;
  private final Float temperature;
  private final Integer topK;
  private final Float topP;
  private final Float minP;
  private final Float repetitionPenalty;
  private final Long seed;
  private final Integer maxOutputTokens;
  private final List<String> stop;
  private final long timeoutMs;
  private final boolean raw;

  private LlmRequest(Builder b) {
    prompt = b.prompt;
    systemInstructions = Collections.unmodifiableList(new ArrayList<>(b.systemInstructions));
    temperature = b.temperature;
    topK = b.topK;
    topP = b.topP;
    minP = b.minP;
    repetitionPenalty = b.repetitionPenalty;
    seed = b.seed;
    maxOutputTokens = b.maxOutputTokens;
    stop = Collections.unmodifiableList(new ArrayList<>(b.stop));
    timeoutMs = b.timeoutMs;
    raw = b.raw;
  }

  /** A builder for a request with this prompt (the user's message). */
  public static Builder builder(String prompt) {
    return new Builder(prompt);
  }

  /** A copy of this request's settings, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder(prompt)
        .systemInstructions(systemInstructions)
        .temperature(temperature)
        .topK(topK)
        .topP(topP)
        .minP(minP)
        .repetitionPenalty(repetitionPenalty)
        .seed(seed)
        .maxOutputTokens(maxOutputTokens)
        .stop(stop)
        .timeoutMs(timeoutMs)
        .raw(raw);
    return b;
  }

  public String getPrompt() {
    return prompt;
  }

  /** Joined with "\n" into the system message; empty = the bundle's system prompt. */
  public List<String> getSystemInstructions() {
    return systemInstructions;
  }

  /** &gt;= 0; 0 is greedy. */
  public Float getTemperature() {
    return temperature;
  }

  /** &lt;= 0 turns top-k off. */
  public Integer getTopK() {
    return topK;
  }

  /** In (0, 1]; 1 turns top-p off. */
  public Float getTopP() {
    return topP;
  }

  /** In [0, 1); 0 turns min-p off. */
  public Float getMinP() {
    return minP;
  }

  /** &gt;= 1; 1 turns the penalty off. */
  public Float getRepetitionPenalty() {
    return repetitionPenalty;
  }

  /** Unsigned 64-bit seed: the same seed and prompt give the same text. Null = a fresh seed. */
  public Long getSeed() {
    return seed;
  }

  /** &gt;= 1; clamped to what the context leaves after the prompt. */
  public Integer getMaxOutputTokens() {
    return maxOutputTokens;
  }

  /** Extra stop strings (the bundle's own still apply); the reply ends before the first one. */
  public List<String> getStop() {
    return stop;
  }

  /** Wall-clock limit of the whole call in ms; 0 = none. */
  public long getTimeoutMs() {
    return timeoutMs;
  }

  /** True: the prompt is fed as-is, without the chat template. */
  public boolean isRaw() {
    return raw;
  }

  /** Builder of {@link LlmRequest}; setters accept {@code null} for "bundle default". */
  public static final class Builder {
    private String prompt;
    private List<String> systemInstructions = new ArrayList<>();
    private Float temperature;
    private Integer topK;
    private Float topP;
    private Float minP;
    private Float repetitionPenalty;
    private Long seed;
    private Integer maxOutputTokens;
    private List<String> stop = new ArrayList<>();
    private long timeoutMs = DEFAULT_TIMEOUT_MS;
    private boolean raw;

    private Builder(String prompt) {
      prompt(prompt);
    }

    public Builder prompt(String value) {
      prompt = Objects.requireNonNull(value, "prompt");
      return this;
    }

    public Builder systemInstructions(List<String> value) {
      systemInstructions = copyOf(value, "systemInstructions");
      return this;
    }

    public Builder systemInstruction(String value) {
      systemInstructions.add(Objects.requireNonNull(value, "systemInstruction"));
      return this;
    }

    public Builder temperature(Float value) {
      temperature = value;
      return this;
    }

    public Builder topK(Integer value) {
      topK = value;
      return this;
    }

    public Builder topP(Float value) {
      topP = value;
      return this;
    }

    public Builder minP(Float value) {
      minP = value;
      return this;
    }

    public Builder repetitionPenalty(Float value) {
      repetitionPenalty = value;
      return this;
    }

    public Builder seed(Long value) {
      seed = value;
      return this;
    }

    public Builder maxOutputTokens(Integer value) {
      maxOutputTokens = value;
      return this;
    }

    public Builder stop(List<String> value) {
      stop = copyOf(value, "stop");
      return this;
    }

    public Builder timeoutMs(long value) {
      timeoutMs = value;
      return this;
    }

    public Builder raw(boolean value) {
      raw = value;
      return this;
    }

    public LlmRequest build() {
      return new LlmRequest(this);
    }

    private static List<String> copyOf(List<String> value, String name) {
      List<String> copy = new ArrayList<>();
      if (value == null) {
        return copy;
      }
      for (String s : value) {
        copy.add(Objects.requireNonNull(s, name + " element"));
      }
      return copy;
    }
  }
}
