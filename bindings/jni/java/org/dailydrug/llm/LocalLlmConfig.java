package org.dailydrug.llm;

import java.util.Objects;

/**
 * How a {@link LocalLlm} finds, prepares and loads its model: DailyDrug's {@code LocalLlmConfig}.
 * Immutable; build it with {@link #builder(String)}. Every setting has a documented default.
 *
 * <p>Two layouts:
 *
 * <ul>
 *   <li>In place (no assets folder): {@code bundle} is the path of the bundle folder (model.pte,
 *       tokenizer, model_config.json).
 *   <li>From assets: {@code bundle} is the bundle folder's <em>name</em> inside {@code assetsDir}
 *       (read-only, e.g. the app's extracted assets), and on first use it is copied to
 *       {@code cacheDir/<bundle>} (writable, e.g. filesDir): atomically (a failed copy leaves the
 *       previous copy as it was), every file checked against model_config.json (size and SHA-256),
 *       reporting to a {@link CopyProgressListener}. Later loads find the intact copy and copy
 *       nothing; a new asset version (a different model_config.json) replaces it.
 * </ul>
 *
 * <p>Values are checked when the {@link LocalLlm} is constructed; a bad one throws
 * {@link LocalLlmException.Kind#ConfigurationInvalid} whose {@link LocalLlmException#getConfigKey()}
 * is the native option's name: "bundle_dir" (empty, or a path with assets), "cache_dir" (missing
 * with assets), "num_threads", "max_cache_tokens" or "memory_threshold_mb".
 */
public final class LocalLlmConfig {
  private final String bundle;
  private final String assetsDir;
  private final String cacheDir;
  private final int threadCount;
  private final long maxCacheTokens;
  private final long memoryThresholdMb;
  private final boolean verifySha256;
  private final boolean lazyLoad;
  private final String weightCacheDir;

  private LocalLlmConfig(Builder b) {
    bundle = b.bundle;
    assetsDir = b.assetsDir;
    cacheDir = b.cacheDir;
    threadCount = b.threadCount;
    maxCacheTokens = b.maxCacheTokens;
    memoryThresholdMb = b.memoryThresholdMb;
    verifySha256 = b.verifySha256;
    lazyLoad = b.lazyLoad;
    weightCacheDir = b.weightCacheDir;
  }

  /**
   * A builder for this bundle: a folder path, or with {@link Builder#assetsDir(String)} a folder
   * name inside the assets folder.
   */
  public static Builder builder(String bundle) {
    return new Builder(bundle);
  }

  /** A copy of these settings, to derive a variant. */
  public Builder toBuilder() {
    return new Builder(bundle)
        .assetsDir(assetsDir)
        .cacheDir(cacheDir)
        .threadCount(threadCount)
        .maxCacheTokens(maxCacheTokens)
        .memoryThresholdMb(memoryThresholdMb)
        .verifySha256(verifySha256)
        .lazyLoad(lazyLoad)
        .weightCacheDir(weightCacheDir);
  }

  /** The bundle folder's path, or its name inside {@link #getAssetsDir()}. */
  public String getBundle() {
    return bundle;
  }

  /** The read-only folder the bundle is copied from; null = none (the bundle is used in place). */
  public String getAssetsDir() {
    return assetsDir;
  }

  /** The writable folder the bundle is copied to; required with an assets folder. */
  public String getCacheDir() {
    return cacheDir;
  }

  /** Inference threads (process-wide pool); &lt;= 0 = the bundle's setting. Default -1. */
  public int getThreadCount() {
    return threadCount;
  }

  /** Cap on the KV cache (and so the context) in tokens; 0 = the bundle's. Default 0. */
  public long getMaxCacheTokens() {
    return maxCacheTokens;
  }

  /**
   * Minimum available memory in MB to load (else InsufficientMemory); -1 = the bundle's
   * min_memory_mb, 0 = no check. Default -1.
   */
  public long getMemoryThresholdMb() {
    return memoryThresholdMb;
  }

  /**
   * Check every file's SHA-256 at the first load of an in-place bundle (a copy from assets is
   * always hashed while it is made). Default true.
   */
  public boolean isVerifySha256() {
    return verifySha256;
  }

  /**
   * False (default): the constructor copies, checks and loads, so every loading error is thrown
   * there. True: the constructor only checks the settings, and the first {@code generate} loads
   * the model and throws the loading errors.
   */
  public boolean isLazyLoad() {
    return lazyLoad;
  }

  /**
   * The packed-weight cache folder: the first load of a model leaves its packed weights in a file
   * there (about the model's size; at most 3 such files are kept) that later loads map instead of
   * packing again, which makes them several times faster. null (default): {@code
   * cacheDir/.packed-weights} when a cache folder is set, else none; "": none. A damaged or
   * unusable cache is rebuilt or skipped, never an error.
   */
  public String getWeightCacheDir() {
    return weightCacheDir;
  }

  @Override
  public String toString() {
    return "LocalLlmConfig{bundle=" + bundle + ", assetsDir=" + assetsDir + ", cacheDir="
        + cacheDir + ", threadCount=" + threadCount + ", maxCacheTokens=" + maxCacheTokens
        + ", memoryThresholdMb=" + memoryThresholdMb + ", verifySha256=" + verifySha256
        + ", lazyLoad=" + lazyLoad + ", weightCacheDir=" + weightCacheDir + "}";
  }

  /** Builder of {@link LocalLlmConfig}. */
  public static final class Builder {
    private String bundle;
    private String assetsDir;
    private String cacheDir;
    private int threadCount = -1;
    private long maxCacheTokens;
    private long memoryThresholdMb = -1;
    private boolean verifySha256 = true;
    private boolean lazyLoad;
    private String weightCacheDir;

    private Builder(String bundle) {
      bundle(bundle);
    }

    public Builder bundle(String value) {
      bundle = Objects.requireNonNull(value, "bundle");
      return this;
    }

    /** null or "" = no assets folder. */
    public Builder assetsDir(String value) {
      assetsDir = value == null || value.isEmpty() ? null : value;
      return this;
    }

    public Builder cacheDir(String value) {
      cacheDir = value == null || value.isEmpty() ? null : value;
      return this;
    }

    public Builder threadCount(int value) {
      threadCount = value;
      return this;
    }

    public Builder maxCacheTokens(long value) {
      maxCacheTokens = value;
      return this;
    }

    public Builder memoryThresholdMb(long value) {
      memoryThresholdMb = value;
      return this;
    }

    public Builder verifySha256(boolean value) {
      verifySha256 = value;
      return this;
    }

    public Builder lazyLoad(boolean value) {
      lazyLoad = value;
      return this;
    }

    /** null = the default ({@link LocalLlmConfig#getWeightCacheDir()}); "" = no cache. */
    public Builder weightCacheDir(String value) {
      weightCacheDir = value;
      return this;
    }

    public LocalLlmConfig build() {
      return new LocalLlmConfig(this);
    }
  }
}
