package org.dailydrug.llm;

/**
 * What the app shows about the model (DailyDrug's {@code LocalLlmService} model info), as returned
 * by {@link LocalLlm#getModelInfo()}. Immutable. Before the first load (lazy loading) the strings
 * are empty and the numbers 0; after {@link LocalLlm#unload()} the values of the last load remain,
 * with {@link #isLoaded()} false.
 */
public final class ModelInfo {
  private final String name;
  private final String path;
  private final long sizeBytes;
  private final long contextLength;
  private final long maxTokens;
  private final String quantization;
  private final boolean loaded;
  private final double loadMs;
  private final int threads;

  /** Built by the native layer (and by fakes in tests of code that uses this binding). */
  public ModelInfo(String name, String path, long sizeBytes, long contextLength, long maxTokens,
      String quantization, boolean loaded, double loadMs, int threads) {
    this.name = name == null ? "" : name;
    this.path = path == null ? "" : path;
    this.sizeBytes = sizeBytes;
    this.contextLength = contextLength;
    this.maxTokens = maxTokens;
    this.quantization = quantization == null ? "" : quantization;
    this.loaded = loaded;
    this.loadMs = loadMs;
    this.threads = threads;
  }

  /** model_config.json {@code model_name}. */
  public String getName() {
    return name;
  }

  /** The bundle folder loaded: {@code cacheDir/<bundle>} when copied from assets. */
  public String getPath() {
    return path;
  }

  /** Sum of the bundle's file sizes. */
  public long getSizeBytes() {
    return sizeBytes;
  }

  /** Context limit in tokens (prompt plus reply), after {@code maxCacheTokens}. */
  public long getContextLength() {
    return contextLength;
  }

  /** model_config.json {@code max_tokens}: the default reply budget. */
  public long getMaxTokens() {
    return maxTokens;
  }

  /** model_config.json {@code quantization}, e.g. "fp32". */
  public String getQuantization() {
    return quantization;
  }

  /** Whether the model is in memory. */
  public boolean isLoaded() {
    return loaded;
  }

  /** Duration of the last load (copy, checks and load) in ms. */
  public double getLoadMs() {
    return loadMs;
  }

  /** Size of the inference thread pool after the last load. */
  public int getThreads() {
    return threads;
  }

  @Override
  public String toString() {
    return "ModelInfo{name=" + name + ", path=" + path + ", sizeBytes=" + sizeBytes
        + ", contextLength=" + contextLength + ", maxTokens=" + maxTokens + ", quantization="
        + quantization + ", loaded=" + loaded + ", loadMs=" + loadMs + ", threads=" + threads + "}";
  }
}
