package org.dailydrug.llm;

/**
 * Progress of the first-use copy of a bundle from {@link LocalLlmConfig#getAssetsDir()} to
 * {@link LocalLlmConfig#getCacheDir()} (the app's assets -&gt; filesDir step).
 *
 * <p>Called on the thread that loads the model: inside the {@link LocalLlm} constructor, or, with
 * {@link LocalLlmConfig.Builder#lazyLoad(boolean) lazy loading} or after {@link LocalLlm#unload()},
 * inside the {@code generate} call that loads it. Post to the UI thread from here; do not block.
 * Not called at all when the cache already holds an intact copy of the same bundle.
 *
 * <p>The copy cannot be interrupted: if the listener throws, no further progress is reported, the
 * copy and load run to their end, and the exception is then rethrown by the constructor (which
 * releases the model) or by {@code generate} (which stops before producing text).
 */
@FunctionalInterface
public interface CopyProgressListener {
  /**
   * @param doneBytes bytes copied so far (never decreasing)
   * @param totalBytes the bundle's size: the last call of a complete copy has
   *     {@code doneBytes == totalBytes}
   * @param file the bundle file being copied, relative to the bundle folder ("model.pte")
   */
  void onProgress(long doneBytes, long totalBytes, String file);
}
