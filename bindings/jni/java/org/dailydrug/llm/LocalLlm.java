package org.dailydrug.llm;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A local LLM on a DailyDrug model bundle (model.pte, tokenizer, model_config.json), over the
 * native runtime (libdailydrug_llm_jni.so): DailyDrug's {@code LocalLlmManager} lifecycle with an
 * API following ExecuTorch's {@code LlmModule}.
 *
 * <p>Lifecycle, configured by a {@link LocalLlmConfig}: the first-use copy of the bundle from a
 * read-only assets folder to a writable cache folder (atomic, SHA-256 verified, reported to a
 * {@link CopyProgressListener}), the memory check (InsufficientMemory), then the load — in the
 * constructor by default, or at the first {@code generate} with lazy loading. {@link #unload()}
 * frees the model's memory and the next {@code generate} loads it again. Generation is a blocking
 * {@code generate} that streams through an {@link LlmCallback}, with {@link #cancel()} from another
 * thread, {@link #reset()} and {@link #close()}.
 *
 * <p>One instance is one conversation state: the KV cache keeps the last prompt, so a new prompt
 * that starts the same way (a fixed system prompt) only prefills the rest; {@link #reset()} drops
 * that state (so does {@link #unload()}).
 *
 * <p>Thread-safety: every method may be called from any thread. Generations on one instance run
 * one at a time (a second {@code generate} waits for the first); {@link #reset()} and
 * {@link #unload()} wait for a running generation. {@link #cancel()}, {@link #isLoaded()} and
 * {@link #getModelInfo()} never block on a generation. {@link #close()} cancels a running
 * generation, waits for it and frees the native runner; afterwards every method except
 * {@code cancel}, {@code close} and {@code isLoaded} throws
 * {@link LocalLlmException.Kind#InferenceNotInitialized}. Always close an instance: native memory
 * (the model) is not freed by garbage collection.
 */
public final class LocalLlm implements AutoCloseable {
  static {
    System.loadLibrary("dailydrug_llm_jni");
  }

  // Bits of nativeGenerate's `set` argument: which optional settings the request carries.
  private static final int SET_TEMPERATURE = 1;
  private static final int SET_TOP_K = 1 << 1;
  private static final int SET_TOP_P = 1 << 2;
  private static final int SET_MIN_P = 1 << 3;
  private static final int SET_REPETITION_PENALTY = 1 << 4;
  private static final int SET_SEED = 1 << 5;
  private static final int SET_MAX_OUTPUT_TOKENS = 1 << 6;

  // Native calls run under the read lock; close() frees the runner under the write lock, so the
  // handle is never freed while a native call uses it.
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile long handle; // 0 once closed; written only under the write lock
  private volatile boolean closing; // close() has begun: no new call starts
  private volatile boolean closeDeferred; // close() was called from inside a callback

  /**
   * Load the bundle folder {@code bundleDir} in place with the bundle's thread and memory settings;
   * sizes are checked, hashes are not. The same as {@code new LocalLlm(LocalLlmConfig
   * .builder(bundleDir).verifySha256(false).build())}.
   */
  public LocalLlm(String bundleDir) throws LocalLlmException {
    this(bundleDir, -1, false);
  }

  /**
   * @param numThreads threads of the (process-wide) inference thread pool; &lt;= 0 = the
   *     bundle's setting (-1 there means automatic)
   */
  public LocalLlm(String bundleDir, int numThreads) throws LocalLlmException {
    this(bundleDir, numThreads, false);
  }

  /**
   * Load the bundle in {@code bundleDir} (blocking: do not call on the UI thread). The bundle's
   * memory threshold (min_memory_mb) applies.
   *
   * @param verifySha256 also check every file's SHA-256 (slower)
   * @throws LocalLlmException ModelNotFound (no folder or config), ModelCorrupted (a file missing,
   *     of the wrong size or hash, or the parts disagreeing), ConfigurationInvalid (a bad config
   *     value; getConfigKey() names it), InsufficientMemory (getRequiredMb(), getAvailableMb()),
   *     ModelLoadFailed, TokenizerModelNotFound, TokenizerNotInitialized
   */
  public LocalLlm(String bundleDir, int numThreads, boolean verifySha256)
      throws LocalLlmException {
    this(LocalLlmConfig.builder(Objects.requireNonNull(bundleDir, "bundleDir"))
        .threadCount(numThreads)
        .verifySha256(verifySha256)
        .build());
  }

  /** {@link #LocalLlm(LocalLlmConfig, CopyProgressListener)} without progress reports. */
  public LocalLlm(LocalLlmConfig config) throws LocalLlmException {
    this(config, null);
  }

  /**
   * Prepare the model as {@code config} says: copy the bundle from the assets folder if needed,
   * check it and the available memory, and load it — here (blocking: do not call on the UI thread),
   * or, with {@link LocalLlmConfig#isLazyLoad()}, at the first {@code generate}.
   *
   * @param progress receives the copy's progress (may be null); kept for later loads (lazy, or
   *     after {@link #unload()})
   * @throws LocalLlmException ConfigurationInvalid (a bad setting or config value; getConfigKey()
   *     names it). Unless loading lazily (then the first {@code generate} throws them):
   *     AssetCopyFailed (getAssetName(): the file that could not be copied or did not verify; the
   *     previous copy in the cache folder is left as it was), ModelNotFound, ModelCorrupted,
   *     InsufficientMemory (getRequiredMb(), getAvailableMb()), ModelLoadFailed,
   *     TokenizerModelNotFound, TokenizerNotInitialized
   */
  public LocalLlm(LocalLlmConfig config, CopyProgressListener progress) throws LocalLlmException {
    Objects.requireNonNull(config, "config");
    handle = nativeOpen(config.getBundle(), config.getAssetsDir(), config.getCacheDir(),
        config.getThreadCount(), config.getMaxCacheTokens(), config.getMemoryThresholdMb(),
        config.isVerifySha256(), config.isLazyLoad(), config.getWeightCacheDir(), progress);
    if (closing) {
      close(); // close() was called from the progress listener, before there was a handle
    }
  }

  /** Generate without streaming. */
  public LlmResponse generate(LlmRequest request) throws LocalLlmException {
    return generate(request, null);
  }

  /**
   * Generate a reply, blocking until it is complete, cancelled or failed; {@code callback} (may be
   * null) receives the text as it is produced. A cancel is not an error: the response then has
   * finish reason "cancelled" and the text so far. An exception thrown by the callback stops the
   * generation and is rethrown here as is.
   *
   * <p>When the model is not loaded (lazy loading, or after {@link #unload()}) it is loaded first,
   * reporting to the constructor's {@link CopyProgressListener}; the request's timeout does not
   * count the load.
   *
   * @throws LocalLlmException the constructor's loading errors when this call loads the model;
   *     ConfigurationInvalid (a setting out of range; getConfigKey() names it),
   *     TokenizationFailed, ContextLengthExceeded (getMaxLength(), getActualLength()),
   *     GenerationTimeout (getTimeoutMs()), GenerationFailed, InferenceNotInitialized (closed)
   */
  public LlmResponse generate(LlmRequest request, LlmCallback callback) throws LocalLlmException {
    Objects.requireNonNull(request, "request");
    final int set = setBits(request);
    lock.readLock().lock();
    try {
      long h = liveHandle();
      return nativeGenerate(h, request.getPrompt(), toArray(request.getSystemInstructions()),
          toArray(request.getStop()), set, orZero(request.getTemperature()),
          orZero(request.getTopK()), orZero(request.getTopP()), orZero(request.getMinP()),
          orZero(request.getRepetitionPenalty()),
          request.getSeed() != null ? request.getSeed() : 0L,
          orZero(request.getMaxOutputTokens()), request.getTimeoutMs(), request.isRaw(),
          callback);
    } finally {
      lock.readLock().unlock();
      if (closeDeferred && lock.getReadHoldCount() == 0) {
        close();
      }
    }
  }

  // ---- Step API: the model a token at a time (ExecutorRunner.reset / feedPrompt / nextToken) --
  // The same conversation state as generate(): serialised with it, and a later generate()
  // reuses the prefix that was fed; reset() starts over. Text is fed as written (no chat
  // template). The model is loaded on first use.

  /**
   * Run {@code text} into the model's cache after the current position. Special-token text
   * ("&lt;|im_start|&gt;") becomes control tokens only with {@code parseSpecial}. {@link #cancel()}
   * stops the feed between prefill chunks.
   *
   * @return the position reached
   * @throws LocalLlmException TokenizationFailed, ContextLengthExceeded, GenerationFailed, the
   *     loading errors; ConfigurationInvalid (text contains U+0000)
   */
  public long feedText(String text, boolean parseSpecial) throws LocalLlmException {
    Objects.requireNonNull(text, "text");
    lock.readLock().lock();
    try {
      return nativeFeedText(liveHandle(), text, parseSpecial);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Run token ids into the model's cache after the current position.
   *
   * @return the position reached
   * @throws LocalLlmException ConfigurationInvalid (an id outside the vocabulary: nothing runs),
   *     ContextLengthExceeded, GenerationFailed, the loading errors
   */
  public long feedTokens(int[] ids) throws LocalLlmException {
    Objects.requireNonNull(ids, "ids");
    lock.readLock().lock();
    try {
      return nativeFeedTokens(liveHandle(), ids);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@link #nextToken(LlmRequest)} with the bundle's sampling defaults. */
  public StepToken nextToken() throws LocalLlmException {
    return nextToken(null);
  }

  /**
   * Draw the next token from the last logits and run it into the cache (unless it ends the
   * sequence). Sampling comes from {@code sampling}'s temperature, top-k, top-p, min-p, repetition
   * penalty and seed (null: the bundle's defaults; its prompt and limits are ignored); the
   * sampler's random state carries on while these stay the same.
   *
   * @throws LocalLlmException InferenceNotInitialized (nothing fed since reset/seek),
   *     ConfigurationInvalid (sampling out of range), ContextLengthExceeded, GenerationFailed
   */
  public StepToken nextToken(LlmRequest sampling) throws LocalLlmException {
    final int set = sampling != null ? setBits(sampling) : 0;
    lock.readLock().lock();
    try {
      return nativeNextToken(liveHandle(), set,
          sampling != null ? orZero(sampling.getTemperature()) : 0f,
          sampling != null ? orZero(sampling.getTopK()) : 0,
          sampling != null ? orZero(sampling.getTopP()) : 0f,
          sampling != null ? orZero(sampling.getMinP()) : 0f,
          sampling != null ? orZero(sampling.getRepetitionPenalty()) : 0f,
          sampling != null && sampling.getSeed() != null ? sampling.getSeed() : 0L);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Keep the first {@code position} tokens of the cache (rewind); the next feed continues from
   * there, and {@link #nextToken()} needs a feed first.
   *
   * @throws LocalLlmException ConfigurationInvalid (past the current position, or negative),
   *     InferenceNotInitialized (not loaded, or closed)
   */
  public void seek(long position) throws LocalLlmException {
    lock.readLock().lock();
    try {
      nativeSeek(liveHandle(), position);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Tokens in the model's cache (0 when not loaded). Waits for a running call. */
  public long getPosition() throws LocalLlmException {
    lock.readLock().lock();
    try {
      return nativePosition(liveHandle());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Stop the running generation (it returns with finish reason "cancelled" within one token).
   * Any thread; a no-op when nothing runs (it does not affect a later generation) or after close.
   */
  public void cancel() {
    if (!lock.readLock().tryLock()) {
      return; // close() holds the write lock: the runner is being freed, nothing to cancel
    }
    try {
      long h = handle;
      if (h != 0) {
        nativeCancel(h);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Forget the cached conversation: the next prompt is processed from scratch. Waits for a
   * running generation. A no-op when the model is not loaded.
   *
   * @throws LocalLlmException InferenceNotInitialized (closed), GenerationFailed (called from
   *     inside a callback)
   */
  public void reset() throws LocalLlmException {
    lock.readLock().lock();
    try {
      nativeReset(liveHandle());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The context limit in tokens (prompt plus reply), as of the last load (kept across
   * {@link #unload()}); 0 before the first load (lazy loading).
   *
   * @throws LocalLlmException InferenceNotInitialized (closed)
   */
  public long getContextLength() throws LocalLlmException {
    lock.readLock().lock();
    try {
      return nativeContextLength(liveHandle());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Release the model's memory; the instance stays usable and the next {@code generate} loads the
   * model again (from the cache folder when copied from assets; copying only if that copy is gone
   * or damaged). Waits for a running generation ({@link #cancel()} first to make that quick). The
   * conversation state goes with the model. A no-op when not loaded.
   *
   * @throws LocalLlmException InferenceNotInitialized (closed), GenerationFailed (called from
   *     inside a callback)
   */
  public void unload() throws LocalLlmException {
    lock.readLock().lock();
    try {
      nativeUnload(liveHandle());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * What the app shows about the model. Before the first load (lazy loading) its strings are empty
   * and its numbers 0; after {@link #unload()} it keeps the last load's values with
   * {@link ModelInfo#isLoaded()} false.
   *
   * @throws LocalLlmException InferenceNotInitialized (closed)
   */
  public ModelInfo getModelInfo() throws LocalLlmException {
    lock.readLock().lock();
    try {
      return nativeGetModelInfo(liveHandle());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * True while the model is in memory: from a successful (eager) construction or the
   * {@code generate} that loaded it until {@link #unload()} or {@link #close()}. False before the
   * first load with lazy loading.
   */
  public boolean isLoaded() {
    if (closing || !lock.readLock().tryLock()) {
      return false; // closed or being closed
    }
    try {
      long h = handle;
      return h != 0 && !closing && nativeIsLoaded(h);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Cancel a running generation, wait for it to return and free the native runner. Safe to call
   * more than once and from any thread; from inside a callback the runner is freed when that
   * {@code generate} returns.
   */
  @Override
  public void close() {
    closing = true;
    if (lock.getReadHoldCount() > 0) {
      // This thread is inside generate() (a callback): it cannot wait for itself.
      closeDeferred = true;
      long h = handle;
      if (h != 0) {
        nativeCancel(h);
      }
      return;
    }
    ReentrantReadWriteLock.WriteLock w = lock.writeLock();
    boolean locked = false;
    try {
      // Keep cancelling until the running generation has let go (a cancel that lands just
      // before a generation starts would be lost).
      while (!(locked = w.tryLock(10, TimeUnit.MILLISECONDS))) {
        cancel();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!locked) {
      w.lock();
    }
    try {
      long h = handle;
      if (h != 0) {
        handle = 0;
        nativeClose(h);
      }
    } finally {
      w.unlock();
    }
  }

  /**
   * Answer a medication question from DailyDrug's curated medicine notes (no model, no instance
   * needed): triage first (an emergency sign opens the answer with 119), then the direct answer,
   * the facts, warnings among the medicines in play and a referral. The same question always gives
   * the same answer.
   *
   * @param question the user's question (UTF-8 up to 4096 bytes)
   * @param lang "ko" or "en"; null for "ko"
   * @param savedMedicinesJson null, or a JSON array of {"name", "dosage"} objects: the user's
   *     saved medicines, checked for the same ingredient twice and for interactions
   * @return a JSON object: text, language, emergency (null or "breathing", "overdose", ...),
   *     facts_used, medicines, content_review (docs/ASSISTANT.md)
   * @throws LocalLlmException ConfigurationInvalid for a bad argument (subject: "question",
   *     "lang" or "saved_medicines"), GenerationFailed for an internal failure
   */
  public static String assistantAsk(String question, String lang, String savedMedicinesJson)
      throws LocalLlmException {
    return nativeAssistantAsk(question, lang, savedMedicinesJson);
  }

  private long liveHandle() throws LocalLlmException {
    long h = handle;
    if (h == 0 || closing) {
      throw new LocalLlmException(LocalLlmException.Kind.InferenceNotInitialized,
          "inference not initialized (the model was closed)", "", "the model was closed", 0, 0);
    }
    return h;
  }

  private static String[] toArray(List<String> list) {
    return list.toArray(new String[0]);
  }

  /** Which optional settings {@code request} carries, as the native methods' SET_* bits. */
  private static int setBits(LlmRequest request) {
    int set = 0;
    set |= request.getTemperature() != null ? SET_TEMPERATURE : 0;
    set |= request.getTopK() != null ? SET_TOP_K : 0;
    set |= request.getTopP() != null ? SET_TOP_P : 0;
    set |= request.getMinP() != null ? SET_MIN_P : 0;
    set |= request.getRepetitionPenalty() != null ? SET_REPETITION_PENALTY : 0;
    set |= request.getSeed() != null ? SET_SEED : 0;
    set |= request.getMaxOutputTokens() != null ? SET_MAX_OUTPUT_TOKENS : 0;
    return set;
  }

  private static float orZero(Float f) {
    return f != null ? f : 0f;
  }

  private static int orZero(Integer i) {
    return i != null ? i : 0;
  }

  private static native String nativeAssistantAsk(String question, String lang,
      String savedMedicinesJson) throws LocalLlmException;

  private static native long nativeOpen(String bundle, String assetsDir, String cacheDir,
      int threadCount, long maxCacheTokens, long memoryThresholdMb, boolean verifySha256,
      boolean lazyLoad, String weightCacheDir, CopyProgressListener progress)
      throws LocalLlmException;

  private static native LlmResponse nativeGenerate(long handle, String prompt,
      String[] systemInstructions, String[] stop, int set, float temperature, int topK,
      float topP, float minP, float repetitionPenalty, long seed, int maxOutputTokens,
      long timeoutMs, boolean raw, LlmCallback callback) throws LocalLlmException;

  private static native long nativeFeedText(long handle, String text, boolean parseSpecial)
      throws LocalLlmException;

  private static native long nativeFeedTokens(long handle, int[] ids) throws LocalLlmException;

  private static native StepToken nativeNextToken(long handle, int set, float temperature,
      int topK, float topP, float minP, float repetitionPenalty, long seed)
      throws LocalLlmException;

  private static native void nativeSeek(long handle, long position) throws LocalLlmException;

  private static native long nativePosition(long handle);

  private static native void nativeCancel(long handle);

  private static native void nativeReset(long handle) throws LocalLlmException;

  private static native long nativeContextLength(long handle);

  private static native void nativeClose(long handle);

  private static native void nativeUnload(long handle) throws LocalLlmException;

  private static native boolean nativeIsLoaded(long handle);

  private static native ModelInfo nativeGetModelInfo(long handle) throws LocalLlmException;

  // The native UTF-16 <-> UTF-8 converters, exposed for tests (package-private).
  static native byte[] nativeToUtf8(String s);

  static native String nativeFromUtf8(byte[] utf8);
}
