package org.dailydrug.llm;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.attribute.FileTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * LocalLlm on the tiny random-weight bundle the test run generates (context 64 tokens, byte-level
 * tokenizer: one token per UTF-8 byte, EOS ids 257/258). Random weights make the text meaningless
 * but deterministic, which is what the binding's mechanics need. The lifecycle tests copy the
 * bundle into a temporary "assets" folder and load it through {@link LocalLlmConfig}.
 */
public class LocalLlmTest {
  private static final String BUNDLE = System.getProperty("dailydrug.testBundle");

  private LocalLlm llm;

  @Before
  public void open() throws LocalLlmException {
    assertTrue("set -Ddailydrug.testBundle", BUNDLE != null && Files.isDirectory(Paths.get(BUNDLE)));
    llm = new LocalLlm(BUNDLE);
  }

  @After
  public void close() {
    if (llm != null) {
      llm.close();
    }
  }

  private static LlmRequest.Builder greedy(String prompt, int maxTokens) {
    return LlmRequest.builder(prompt)
        .temperature(0f)
        .repetitionPenalty(1f)
        .maxOutputTokens(maxTokens)
        .timeoutMs(0);
  }

  private static LocalLlmException expectLlmError(ThrowingCall call) {
    try {
      call.run();
    } catch (LocalLlmException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected LocalLlmException, got " + e, e);
    }
    throw new AssertionError("expected LocalLlmException, nothing was thrown");
  }

  private interface ThrowingCall {
    void run() throws Exception;
  }

  // ---- loading -------------------------------------------------------------------------------

  @Test
  public void opensTheBundle() throws LocalLlmException {
    assertTrue(llm.isLoaded());
    assertEquals(64, llm.getContextLength());
    try (LocalLlm twoThreads = new LocalLlm(BUNDLE, 2, true)) {
      assertTrue(twoThreads.isLoaded());
    }
  }

  @Test
  public void missingFolderIsModelNotFoundWithItsPath() {
    // Korean and an emoji (beyond the BMP) cross to native and back through the error's path.
    String dir = "/nonexistent/약 번들 💊/bundle";
    LocalLlmException e = expectLlmError(() -> new LocalLlm(dir).close());
    assertEquals(LocalLlmException.Kind.ModelNotFound, e.getKind());
    assertEquals(dir, e.getModelPath());
    assertTrue(e.getMessage(), e.getMessage().contains(dir));
    assertEquals(null, e.getConfigKey());
  }

  @Test
  public void truncatedProgramIsModelCorrupted() throws IOException {
    Path copy = Files.createTempDirectory("dd_jni_corrupt");
    try {
      try (Stream<Path> files = Files.list(Paths.get(BUNDLE))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.copy(f, copy.resolve(f.getFileName()));
        }
      }
      try (RandomAccessFile f = new RandomAccessFile(copy.resolve("model.pte").toFile(), "rw")) {
        f.setLength(1000);
      }
      LocalLlmException e = expectLlmError(() -> new LocalLlm(copy.toString()).close());
      assertEquals(LocalLlmException.Kind.ModelCorrupted, e.getKind());
      assertTrue(e.getModelPath(), e.getModelPath().endsWith("model.pte"));
      assertFalse(e.getCauseText().isEmpty());
    } finally {
      try (Stream<Path> files = Files.list(copy)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.delete(f);
        }
      }
      Files.delete(copy);
    }
  }

  // ---- generation ----------------------------------------------------------------------------

  @Test
  public void streamedPiecesConcatenateToTheText() throws LocalLlmException {
    StringBuilder streamed = new StringBuilder();
    AtomicReference<String> stats = new AtomicReference<>();
    LlmResponse r = llm.generate(greedy("stream", 20).build(), new LlmCallback() {
      @Override
      public void onText(String piece) {
        assertFalse(piece.isEmpty());
        streamed.append(piece);
      }

      @Override
      public void onStats(String json) {
        stats.set(json);
      }
    });
    assertEquals(r.getText(), streamed.toString());
    assertTrue(r.getOutputTokens() > 0);
    assertEquals(r.getOutputTokens(), r.getOutputIds().length);
    assertEquals(r.getInputTokens() + r.getOutputTokens(), r.getTotalTokens());
    assertTrue(stats.get(), stats.get().contains("\"generated_tokens\":" + r.getOutputTokens()));
  }

  @Test
  public void koreanPromptRoundTrip() throws LocalLlmException {
    // Byte-level tokenizer: a raw prompt costs one token per UTF-8 byte (plus what the runtime
    // adds, measured with an ASCII prompt). Modified UTF-8 would give the emoji 6 bytes, not 4.
    String korean = "타이레놀 먹고 운전해도 돼요? 💊";
    int asciiTokens = llm.generate(greedy("a", 1).raw(true).build()).getInputTokens();
    StringBuilder streamed = new StringBuilder();
    LlmResponse r = llm.generate(greedy(korean, 8).raw(true).build(), streamed::append);
    int bytes = korean.getBytes(StandardCharsets.UTF_8).length;
    assertEquals(asciiTokens - 1 + bytes, r.getInputTokens());
    assertEquals(r.getText(), streamed.toString());
    // Through the chat template as well, with Korean system instructions and stop strings.
    // (Short texts: the tiny model's context is 64 tokens, the template takes about 30.)
    StringBuilder templated = new StringBuilder();
    LlmResponse t = llm.generate(greedy("약 💊", 8)
        .systemInstructions(Collections.singletonList("도우미"))
        .stop(Collections.singletonList("멈춤"))
        .build(), templated::append);
    assertTrue(t.getInputTokens() > "약 💊도우미".getBytes(StandardCharsets.UTF_8).length);
    assertEquals(t.getText(), templated.toString());
  }

  @Test
  public void nativeUtf8ConversionMatchesJava() {
    String[] samples = {"", "plain", "매일 약먹기", "💊🙂 emoji", "mixed 한글 and \u0000 nul",
        "\u00e9\u4e2d\ud83d\ude00"};
    for (String s : samples) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      assertArrayEquals(s, utf8, LocalLlm.nativeToUtf8(s));
      assertEquals(s, LocalLlm.nativeFromUtf8(utf8));
    }
    // Unpaired surrogates become U+FFFD; invalid UTF-8 becomes U+FFFD per maximal subpart.
    assertArrayEquals("\ufffdx".getBytes(StandardCharsets.UTF_8), LocalLlm.nativeToUtf8("\ud83dx"));
    assertEquals("a\ufffdb", LocalLlm.nativeFromUtf8(new byte[] {'a', (byte) 0xff, 'b'}));
    assertEquals("\ufffd(", LocalLlm.nativeFromUtf8(new byte[] {(byte) 0xc3, '('}));
    assertEquals("\ufffd", LocalLlm.nativeFromUtf8(new byte[] {(byte) 0xe5, (byte) 0xa4}));
    byte[] modified = {(byte) 0xed, (byte) 0xa0, (byte) 0xbd}; // CESU-8 half of an emoji
    assertFalse(LocalLlm.nativeFromUtf8(modified).chars().anyMatch(c -> Character.isSurrogate((char) c)));
  }

  @Test
  public void greedyIsDeterministic() throws LocalLlmException {
    LlmResponse a = llm.generate(greedy("abc", 12).build());
    llm.reset();
    LlmResponse b = llm.generate(greedy("abc", 12).build());
    assertArrayEquals(a.getOutputIds(), b.getOutputIds());
    assertEquals(a.getText(), b.getText());
    try (LocalLlm other = new LocalLlm(BUNDLE)) {
      assertArrayEquals(a.getOutputIds(), other.generate(greedy("abc", 12).build()).getOutputIds());
    }
  }

  @Test
  public void seedMakesSamplingReproducible() throws LocalLlmException {
    LlmRequest req = greedy("seeded", 10).temperature(1.5f).topK(0).topP(1f).seed(42L).build();
    LlmResponse a = llm.generate(req);
    LlmResponse b = llm.generate(req);
    LlmResponse c = llm.generate(req.toBuilder().seed(4242L).build());
    assertArrayEquals(a.getOutputIds(), b.getOutputIds());
    assertEquals(42L, a.getSeed());
    assertFalse(Arrays.equals(a.getOutputIds(), c.getOutputIds()));
    // An unsigned seed above Long.MAX_VALUE survives the trip.
    assertEquals(-2L, llm.generate(req.toBuilder().seed(-2L).build()).getSeed());
  }

  @Test
  public void cancelFromAnotherThreadEndsWithCancelled() throws Exception {
    AtomicInteger pieces = new AtomicInteger();
    CountDownLatch twoPieces = new CountDownLatch(2);
    Thread canceller = new Thread(() -> {
      try {
        twoPieces.await();
      } catch (InterruptedException e) {
        return;
      }
      llm.cancel();
    });
    canceller.start();
    LlmResponse r = llm.generate(greedy("cancel me", 40).build(), piece -> {
      pieces.incrementAndGet();
      twoPieces.countDown();
      sleep(5);
    });
    canceller.join();
    assertEquals(LlmResponse.FINISH_CANCELLED, r.getFinishReason());
    assertTrue(r.getOutputIds().length < 40);
    // The next generation runs normally.
    assertNotEquals(LlmResponse.FINISH_CANCELLED,
        llm.generate(greedy("after cancel", 3).build()).getFinishReason());
  }

  @Test
  public void wallClockTimeoutIsGenerationTimeout() {
    LocalLlmException e = expectLlmError(
        () -> llm.generate(greedy("slow consumer", 40).timeoutMs(20).build(), piece -> sleep(10)));
    assertEquals(LocalLlmException.Kind.GenerationTimeout, e.getKind());
    assertEquals(20, e.getTimeoutMs());
  }

  @Test
  public void promptBeyondContextIsContextLengthExceeded() throws LocalLlmException {
    char[] a = new char[100];
    Arrays.fill(a, 'a');
    LocalLlmException e = expectLlmError(() -> llm.generate(greedy(new String(a), 12).build()));
    assertEquals(LocalLlmException.Kind.ContextLengthExceeded, e.getKind());
    assertEquals(64, e.getMaxLength());
    assertTrue(String.valueOf(e.getActualLength()), e.getActualLength() > 100);
    assertTrue(llm.generate(greedy("ok", 3).build()).getOutputTokens() > 0);
  }

  @Test
  public void outOfRangeSamplingIsConfigurationInvalidWithTheKey() {
    LocalLlmException e =
        expectLlmError(() -> llm.generate(greedy("t", 3).temperature(-1f).build()));
    assertEquals(LocalLlmException.Kind.ConfigurationInvalid, e.getKind());
    assertEquals("temperature", e.getConfigKey());
    assertEquals("top_p", expectLlmError(
        () -> llm.generate(greedy("t", 3).topP(2f).build())).getConfigKey());
    assertEquals("max_output_tokens", expectLlmError(
        () -> llm.generate(greedy("t", 3).maxOutputTokens(0).build())).getConfigKey());
    assertEquals("system_instructions", expectLlmError(() -> llm.generate(
        greedy("t", 3).systemInstruction("a\u0000b").build())).getConfigKey());
  }

  // ---- callbacks that fail or re-enter --------------------------------------------------------

  @Test
  public void callbackExceptionStopsGenerationAndPropagates() throws LocalLlmException {
    IllegalStateException boom = new IllegalStateException("boom");
    AtomicInteger calls = new AtomicInteger();
    try {
      llm.generate(greedy("throw", 20).build(), piece -> {
        calls.incrementAndGet();
        throw boom;
      });
      fail("the callback's exception should propagate");
    } catch (IllegalStateException e) {
      assertSame(boom, e);
    }
    assertEquals(1, calls.get());
    // The runner is usable afterwards and gives the same greedy output as a fresh one.
    LlmResponse after = llm.generate(greedy("abc", 12).build());
    try (LocalLlm fresh = new LocalLlm(BUNDLE)) {
      assertArrayEquals(fresh.generate(greedy("abc", 12).build()).getOutputIds(),
          after.getOutputIds());
    }
  }

  @Test
  public void statsCallbackExceptionPropagates() {
    try {
      llm.generate(greedy("stats", 3).build(), new LlmCallback() {
        @Override
        public void onText(String piece) {}

        @Override
        public void onStats(String json) {
          throw new UnsupportedOperationException("stats");
        }
      });
      fail("expected the stats callback's exception");
    } catch (UnsupportedOperationException e) {
      assertEquals("stats", e.getMessage());
    } catch (LocalLlmException e) {
      fail("unexpected " + e);
    }
  }

  @Test
  public void reentrantGenerateFromCallbackIsGenerationFailed() throws LocalLlmException {
    AtomicReference<LocalLlmException> inner = new AtomicReference<>();
    LlmResponse r = llm.generate(greedy("outer", 4).build(), piece -> {
      if (inner.get() == null) {
        inner.set(expectLlmError(() -> llm.generate(greedy("inner", 2).build())));
      }
    });
    assertEquals(LocalLlmException.Kind.GenerationFailed, inner.get().getKind());
    assertTrue(r.getOutputTokens() > 0);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  @Test
  public void closeTwiceIsSafeAndUseAfterCloseIsInferenceNotInitialized() {
    llm.close();
    llm.close();
    assertFalse(llm.isLoaded());
    llm.cancel(); // a no-op
    LocalLlmException e = expectLlmError(() -> llm.generate(greedy("x", 2).build()));
    assertEquals(LocalLlmException.Kind.InferenceNotInitialized, e.getKind());
    assertEquals(LocalLlmException.Kind.InferenceNotInitialized,
        expectLlmError(() -> llm.reset()).getKind());
    assertEquals(LocalLlmException.Kind.InferenceNotInitialized,
        expectLlmError(() -> llm.getContextLength()).getKind());
  }

  @Test
  public void closeFromAnotherThreadCancelsAndWaits() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<Object> outcome = new AtomicReference<>();
    Thread worker = new Thread(() -> {
      try {
        outcome.set(llm.generate(greedy("long one", 40).build(), piece -> {
          started.countDown();
          sleep(5);
        }));
      } catch (LocalLlmException e) {
        outcome.set(e);
      }
    });
    worker.start();
    assertTrue(started.await(10, TimeUnit.SECONDS));
    llm.close();
    assertFalse(llm.isLoaded());
    worker.join(10_000);
    assertFalse(worker.isAlive());
    assertTrue(String.valueOf(outcome.get()), outcome.get() instanceof LlmResponse);
    assertEquals(LlmResponse.FINISH_CANCELLED, ((LlmResponse) outcome.get()).getFinishReason());
  }

  @Test
  public void closeFromInsideTheCallbackIsDeferred() throws LocalLlmException {
    List<String> pieces = new ArrayList<>();
    LlmResponse r = llm.generate(greedy("close inside", 20).build(), piece -> {
      pieces.add(piece);
      llm.close();
    });
    assertEquals(LlmResponse.FINISH_CANCELLED, r.getFinishReason());
    // The cancel lands after the first piece; text held back until then may still be flushed.
    assertTrue(pieces.toString(), pieces.size() <= 2);
    assertEquals(String.join("", pieces), r.getText());
    assertFalse(llm.isLoaded());
    assertEquals(LocalLlmException.Kind.InferenceNotInitialized,
        expectLlmError(() -> llm.generate(greedy("x", 2).build())).getKind());
  }

  @Test
  public void kindsMatchTheCApiCodes() {
    LocalLlmException.Kind[] kinds = LocalLlmException.Kind.values();
    assertEquals(13, kinds.length);
    for (int i = 0; i < kinds.length; i++) {
      assertEquals(i + 1, kinds[i].code());
      assertSame(kinds[i], LocalLlmException.Kind.fromCode(i + 1));
    }
    assertEquals("ContextLengthExceeded", kinds[12].name());
  }

  // ---- lifecycle: assets -> cache copy, memory check, lazy load, unload ----------------------

  /** A temporary folder with assets/tiny (a copy of the test bundle) and room for cache/. */
  private static final class Assets implements AutoCloseable {
    final Path root;
    final Path assets;
    final Path cache;

    Assets() throws IOException {
      root = Files.createTempDirectory("dd_jni_assets");
      assets = root.resolve("assets");
      cache = root.resolve("cache");
      Path tiny = assets.resolve("tiny");
      Files.createDirectories(tiny);
      try (Stream<Path> files = Files.list(Paths.get(BUNDLE))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.copy(f, tiny.resolve(f.getFileName()));
        }
      }
    }

    /** From assets, with a memory threshold the test machine meets (the bundle asks 2048 MB). */
    LocalLlmConfig.Builder config() {
      return LocalLlmConfig.builder("tiny")
          .assetsDir(assets.toString())
          .cacheDir(cache.toString())
          .memoryThresholdMb(1);
    }

    @Override
    public void close() throws IOException {
      deleteTree(root);
    }
  }

  /** Records the copy's progress reports. */
  private static final class Progress implements CopyProgressListener {
    final List<String> files = new ArrayList<>();
    int calls;
    long lastDone;
    long total;
    boolean monotonic = true;

    @Override
    public void onProgress(long doneBytes, long totalBytes, String file) {
      if (doneBytes < lastDone) {
        monotonic = false;
      }
      calls++;
      lastDone = doneBytes;
      total = totalBytes;
      if (files.isEmpty() || !files.get(files.size() - 1).equals(file)) {
        files.add(file);
      }
    }
  }

  private static long bundleBytes() throws IOException {
    return Files.size(Paths.get(BUNDLE, "model.pte")) + Files.size(Paths.get(BUNDLE, "tokenizer.json"));
  }

  private static long memAvailableMb() throws IOException {
    for (String line : Files.readAllLines(Paths.get("/proc/meminfo"))) {
      if (line.startsWith("MemAvailable:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }

  @Test
  public void configBuilderDefaults() {
    LocalLlmConfig c = LocalLlmConfig.builder("/b").build();
    assertEquals("/b", c.getBundle());
    assertEquals(null, c.getAssetsDir());
    assertEquals(null, c.getCacheDir());
    assertEquals(-1, c.getThreadCount());
    assertEquals(0, c.getMaxCacheTokens());
    assertEquals(-1, c.getMemoryThresholdMb());
    assertTrue(c.isVerifySha256());
    assertFalse(c.isLazyLoad());
    LocalLlmConfig d = c.toBuilder().assetsDir("/a").cacheDir("/c").threadCount(2)
        .maxCacheTokens(32).memoryThresholdMb(0).verifySha256(false).lazyLoad(true).build();
    assertEquals("/a", d.getAssetsDir());
    assertEquals("/c", d.getCacheDir());
    assertEquals(2, d.getThreadCount());
    assertEquals(32, d.getMaxCacheTokens());
    assertEquals(0, d.getMemoryThresholdMb());
    assertFalse(d.isVerifySha256());
    assertTrue(d.isLazyLoad());
    assertEquals("/b", d.getBundle());
  }

  @Test
  public void copiesFromAssetsWithProgressReachingTotal() throws Exception {
    try (Assets a = new Assets()) {
      Progress progress = new Progress();
      try (LocalLlm m = new LocalLlm(a.config().build(), progress)) {
        assertTrue(progress.calls > 0);
        assertTrue(progress.monotonic);
        assertEquals(bundleBytes(), progress.total);
        assertEquals(progress.total, progress.lastDone);
        assertEquals(Arrays.asList("model.pte", "tokenizer.json"), progress.files);
        assertTrue(Files.isRegularFile(a.cache.resolve("tiny").resolve("model_config.json")));
        assertTrue(m.isLoaded());
        assertEquals(a.cache.resolve("tiny").toString(), m.getModelInfo().getPath());
        assertTrue(m.generate(greedy("from the cache", 4).build()).getOutputTokens() > 0);
      }
    }
  }

  @Test
  public void packedWeightCacheFollowsWeightCacheDir() throws Exception {
    try (Assets a = new Assets()) {
      // default: cacheDir/.packed-weights holds one cache file after the first load
      new LocalLlm(a.config().build()).close();
      assertEquals(1, packedFiles(a.cache.resolve(".packed-weights")));
      // a folder of the app's choosing
      Path own = a.root.resolve("own-weights");
      try (LocalLlm m = new LocalLlm(a.config().weightCacheDir(own.toString()).build())) {
        assertTrue(m.generate(greedy("cached", 4).build()).getOutputTokens() > 0);
      }
      assertEquals(1, packedFiles(own));
      // "": none, and the model still answers
      deleteTree(a.cache.resolve(".packed-weights"));
      try (LocalLlm m = new LocalLlm(a.config().weightCacheDir("").build())) {
        assertTrue(m.generate(greedy("uncached", 4).build()).getOutputTokens() > 0);
      }
      assertFalse(Files.exists(a.cache.resolve(".packed-weights")));
    }
  }

  private static long packedFiles(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(p -> p.getFileName().toString().endsWith(".xnnpack")).count();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  @Test
  public void secondOpenCopiesNothing() throws Exception {
    try (Assets a = new Assets()) {
      Progress first = new Progress();
      new LocalLlm(a.config().build(), first).close();
      assertTrue(first.calls > 0);
      Path program = a.cache.resolve("tiny").resolve("model.pte");
      FileTime stamp = Files.getLastModifiedTime(program);
      Progress second = new Progress();
      try (LocalLlm m = new LocalLlm(a.config().build(), second)) {
        assertTrue(m.isLoaded());
      }
      assertEquals(0, second.calls);
      assertEquals(stamp, Files.getLastModifiedTime(program));
      try (Stream<Path> entries = Files.list(a.cache)) {  // the copy, and the packed-weight cache
        assertArrayEquals(new Object[] {".packed-weights", "tiny"},
            entries.map(p -> p.getFileName().toString()).sorted().toArray());
      }
    }
  }

  @Test
  public void corruptAssetIsAssetCopyFailedAndThePreviousCopyStillLoads() throws Exception {
    try (Assets a = new Assets()) {
      new LocalLlm(a.config().build()).close();
      // A new asset version (a different config, so it is copied again) whose program does not
      // match its own manifest.
      Path tiny = a.assets.resolve("tiny");
      Path config = tiny.resolve("model_config.json");
      String json = new String(Files.readAllBytes(config), StandardCharsets.UTF_8);
      assertTrue(json.contains("\"max_tokens\": 16"));
      Files.write(config, json.replace("\"max_tokens\": 16", "\"max_tokens\": 15")
          .getBytes(StandardCharsets.UTF_8));
      try (RandomAccessFile f = new RandomAccessFile(tiny.resolve("model.pte").toFile(), "rw")) {
        f.seek(4096);
        f.write(0x5a);
      }
      Progress progress = new Progress();
      LocalLlmException e = expectLlmError(() -> new LocalLlm(a.config().build(), progress).close());
      assertEquals(LocalLlmException.Kind.AssetCopyFailed, e.getKind());
      assertEquals("model.pte", e.getAssetName());
      assertTrue(e.getCauseText(), e.getCauseText().contains("SHA-256"));
      assertTrue(e.getMessage(), e.getMessage().contains("model.pte"));
      // The previous copy is untouched: it verifies and loads in place with its own config.
      LocalLlmConfig inPlace = LocalLlmConfig.builder(a.cache.resolve("tiny").toString())
          .verifySha256(true)
          .memoryThresholdMb(1)
          .build();
      try (LocalLlm m = new LocalLlm(inPlace)) {
        assertEquals(16, m.getModelInfo().getMaxTokens());
        assertTrue(m.generate(greedy("still here", 4).build()).getOutputTokens() > 0);
      }
    }
  }

  @Test
  public void memoryThresholdAboveAvailableIsInsufficientMemory() throws Exception {
    try (Assets a = new Assets()) {
      long huge = 1L << 40;
      LocalLlmException e =
          expectLlmError(() -> new LocalLlm(a.config().memoryThresholdMb(huge).build()).close());
      assertEquals(LocalLlmException.Kind.InsufficientMemory, e.getKind());
      assertEquals(huge, e.getRequiredMb());
      long available = memAvailableMb();
      assertTrue(available > 0);
      assertTrue(String.valueOf(e.getAvailableMb()),
          e.getAvailableMb() > 0 && e.getAvailableMb() < huge);
      // Read by the library a moment earlier; allow for other processes.
      assertTrue(e.getAvailableMb() + " vs " + available,
          Math.abs(e.getAvailableMb() - available) <= Math.max(512, available / 4));
      // 0 turns the check off.
      try (LocalLlm m = new LocalLlm(a.config().memoryThresholdMb(0).build())) {
        assertTrue(m.isLoaded());
      }
    }
  }

  @Test
  public void unloadThenGenerateReloadsWithIdenticalGreedyOutput() throws Exception {
    try (Assets a = new Assets()) {
      Progress progress = new Progress();
      try (LocalLlm m = new LocalLlm(a.config().build(), progress)) {
        int copies = progress.calls;
        LlmResponse before = m.generate(greedy("reload me", 12).build());
        assertTrue(before.getOutputIds().length > 0);
        m.unload();
        assertFalse(m.isLoaded());
        ModelInfo info = m.getModelInfo();
        assertFalse(info.isLoaded());
        assertEquals("tiny-random-llama", info.getName()); // the last load's values remain
        assertEquals(64, m.getContextLength());
        m.reset(); // nothing to forget: a no-op
        m.unload(); // twice is fine
        LlmResponse after = m.generate(greedy("reload me", 12).build());
        assertTrue(m.isLoaded());
        assertArrayEquals(before.getOutputIds(), after.getOutputIds());
        assertEquals(before.getText(), after.getText());
        assertEquals(copies, progress.calls); // reloaded from the intact cache copy
      }
    }
  }

  @Test
  public void lazyLoadSurfacesTheLoadErrorAtTheFirstGenerate() throws Exception {
    try (Assets a = new Assets()) {
      // Not in the assets: the constructor succeeds, the first generate reports it.
      try (LocalLlm m = new LocalLlm(a.config().bundle("absent").lazyLoad(true).build())) {
        assertFalse(m.isLoaded());
        assertEquals(0, m.getContextLength());
        assertFalse(Files.exists(a.cache)); // nothing was read or written yet
        LocalLlmException e = expectLlmError(() -> m.generate(greedy("x", 2).build()));
        assertEquals(LocalLlmException.Kind.AssetCopyFailed, e.getKind());
        assertTrue(e.getAssetName(), e.getAssetName().contains("absent"));
        assertFalse(m.isLoaded());
      }
      // In place, a missing folder is ModelNotFound at the first generate.
      String dir = "/nonexistent/lazy 약";
      try (LocalLlm m = new LocalLlm(LocalLlmConfig.builder(dir).lazyLoad(true).build())) {
        LocalLlmException e = expectLlmError(() -> m.generate(greedy("x", 2).build()));
        assertEquals(LocalLlmException.Kind.ModelNotFound, e.getKind());
        assertEquals(dir, e.getModelPath());
      }
      // The memory check happens at that load too.
      try (LocalLlm m = new LocalLlm(a.config().memoryThresholdMb(1L << 40).lazyLoad(true).build())) {
        LocalLlmException e = expectLlmError(() -> m.generate(greedy("x", 2).build()));
        assertEquals(LocalLlmException.Kind.InsufficientMemory, e.getKind());
        assertEquals(1L << 40, e.getRequiredMb());
      }
    }
  }

  @Test
  public void lazyLoadCopiesWithProgressAtTheFirstGenerate() throws Exception {
    try (Assets a = new Assets()) {
      Progress progress = new Progress();
      try (LocalLlm m = new LocalLlm(a.config().lazyLoad(true).build(), progress)) {
        assertEquals(0, progress.calls);
        ModelInfo none = m.getModelInfo();
        assertEquals("", none.getName());
        assertEquals("", none.getPath());
        assertFalse(none.isLoaded());
        LlmResponse lazy = m.generate(greedy("lazy", 4).build());
        assertTrue(progress.calls > 0);
        assertEquals(bundleBytes(), progress.lastDone);
        assertTrue(m.isLoaded());
        // The same greedy output as an eagerly loaded instance on the bundle itself.
        assertArrayEquals(llm.generate(greedy("lazy", 4).build()).getOutputIds(),
            lazy.getOutputIds());
      }
    }
  }

  @Test
  public void modelInfoDescribesTheLoadedBundle() throws Exception {
    try (Assets a = new Assets();
        LocalLlm m = new LocalLlm(a.config().threadCount(1).maxCacheTokens(32).build())) {
      ModelInfo info = m.getModelInfo();
      assertEquals("tiny-random-llama", info.getName());
      assertEquals(a.cache.resolve("tiny").toString(), info.getPath());
      assertEquals(bundleBytes(), info.getSizeBytes());
      assertEquals(32, info.getContextLength());
      assertEquals(32, m.getContextLength());
      assertEquals(16, info.getMaxTokens());
      assertEquals("fp32", info.getQuantization());
      assertTrue(info.isLoaded());
      assertTrue(String.valueOf(info.getLoadMs()), info.getLoadMs() > 0);
      assertEquals(1, info.getThreads());
      assertTrue(info.toString(), info.toString().contains("tiny-random-llama"));
    }
  }

  @Test
  public void invalidConfigNamesTheOption() throws Exception {
    try (Assets a = new Assets()) {
      assertEquals("cache_dir", expectLlmError(
          () -> new LocalLlm(a.config().cacheDir(null).build()).close()).getConfigKey());
      assertEquals("bundle_dir", expectLlmError(
          () -> new LocalLlm(a.config().bundle("../escape").build()).close()).getConfigKey());
      assertEquals("max_cache_tokens", expectLlmError(
          () -> new LocalLlm(a.config().maxCacheTokens(-1).build()).close()).getConfigKey());
      assertEquals("memory_threshold_mb", expectLlmError(
          () -> new LocalLlm(a.config().memoryThresholdMb(-2).build()).close()).getConfigKey());
      assertEquals("num_threads", expectLlmError(
          () -> new LocalLlm(a.config().threadCount(1000).build()).close()).getConfigKey());
      assertFalse(Files.exists(a.cache));
    }
  }

  @Test
  public void progressListenerExceptionPropagatesAndReleasesTheModel() throws Exception {
    try (Assets a = new Assets()) {
      AtomicInteger calls = new AtomicInteger();
      IllegalStateException boom = new IllegalStateException("progress");
      CopyProgressListener throwing = (done, total, file) -> {
        calls.incrementAndGet();
        throw boom;
      };
      try {
        new LocalLlm(a.config().build(), throwing).close();
        fail("the listener's exception should propagate");
      } catch (IllegalStateException e) {
        assertSame(boom, e);
      }
      assertEquals(1, calls.get()); // no report after the exception
      // The copy completed regardless; lazily, the exception comes out of generate.
      try (Stream<Path> copy = Files.walk(a.cache.resolve("tiny"))) {
        for (Path p : (Iterable<Path>) copy.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
      calls.set(0);
      try (LocalLlm m = new LocalLlm(a.config().lazyLoad(true).build(), throwing)) {
        AtomicInteger pieces = new AtomicInteger();
        try {
          m.generate(greedy("x", 4).build(), piece -> pieces.incrementAndGet());
          fail("the listener's exception should propagate");
        } catch (IllegalStateException e) {
          assertSame(boom, e);
        }
        assertEquals(1, calls.get());
        assertEquals(0, pieces.get());
        // The instance stays usable.
        assertTrue(m.generate(greedy("x", 4).build()).getOutputTokens() > 0);
      }
    }
  }

  @Test
  public void unloadFromInsideACallbackIsGenerationFailed() throws LocalLlmException {
    AtomicReference<LocalLlmException> inner = new AtomicReference<>();
    llm.generate(greedy("unload inside", 4).build(), piece -> {
      if (inner.get() == null) {
        inner.set(expectLlmError(() -> llm.unload()));
      }
    });
    assertEquals(LocalLlmException.Kind.GenerationFailed, inner.get().getKind());
    assertTrue(llm.isLoaded());
  }

  @Test
  public void unloadAndModelInfoAfterCloseAreInferenceNotInitialized() {
    llm.close();
    assertEquals(LocalLlmException.Kind.InferenceNotInitialized,
        expectLlmError(() -> llm.unload()).getKind());
    assertEquals(LocalLlmException.Kind.InferenceNotInitialized,
        expectLlmError(() -> llm.getModelInfo()).getKind());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- step API --------------------------------------------------------------------------------

  @Test
  public void steppingTheFedPromptGivesTheIdsOfARawGenerate() throws LocalLlmException {
    LlmResponse reference = llm.generate(greedy("step from Java", 8).raw(true).build());
    llm.reset();
    long position = llm.feedText("step from Java", true);
    assertTrue(position > 0);
    assertEquals(position, llm.getPosition());
    LlmRequest sampling = greedy("", 1).build();
    int[] ids = new int[reference.getOutputIds().length];
    int n = 0;
    StringBuilder text = new StringBuilder();
    while (n < ids.length) {
      StepToken t = llm.nextToken(sampling);
      ids[n++] = t.getId();
      text.append(t.getText());
      if (t.isEndOfSequence()) {
        break;
      }
    }
    assertArrayEquals(reference.getOutputIds(), Arrays.copyOf(ids, n));
    assertTrue(reference.getText().startsWith(text.toString()));
    llm.seek(position);
    assertEquals(position, llm.getPosition());
    LocalLlmException e = expectLlmError(() -> llm.nextToken());
    assertEquals(LocalLlmException.Kind.InferenceNotInitialized, e.getKind());
  }

  @Test
  public void stepApiErrorsAreTyped() {
    assertEquals(LocalLlmException.Kind.ConfigurationInvalid,
        expectLlmError(() -> llm.feedTokens(new int[] {1, 1 << 30})).getKind());
    assertEquals(LocalLlmException.Kind.ConfigurationInvalid,
        expectLlmError(() -> llm.seek(5)).getKind());
    assertEquals(LocalLlmException.Kind.ConfigurationInvalid,
        expectLlmError(() -> llm.feedText("a\u0000b", false)).getKind());
    assertEquals(LocalLlmException.Kind.ContextLengthExceeded,
        expectLlmError(() -> llm.feedTokens(new int[65])).getKind());
  }

  @Test
  public void assistantAnswersTheAcceptanceQuestionAndEmergenciesWithoutAModel()
      throws LocalLlmException {
    String answer = LocalLlm.assistantAsk("타이레놀 복용 후 운전해도 될까요?", "ko", null);
    assertTrue(answer, answer.contains("운전"));
    assertTrue(answer, answer.contains("의사"));
    assertTrue(answer, answer.contains("\"emergency\":null"));
    assertEquals(answer, LocalLlm.assistantAsk("타이레놀 복용 후 운전해도 될까요?", "ko", null));
    String emergency = LocalLlm.assistantAsk("약 먹고 입술이 붓고 숨쉬기가 힘들어요", null, null);
    assertTrue(emergency, emergency.contains("\"emergency\":\"breathing\""));
    assertTrue(emergency, emergency.contains("\"text\":\"응급 상황일 수 있어요. 지금 바로 119"));
    String saved = LocalLlm.assistantAsk("내가 먹는 약 같이 먹어도 돼요?", "ko",
        "[{\"name\": \"타이레놀정500mg\", \"dosage\": \"1정\"}, {\"name\": \"판콜에이\"}]");
    assertTrue(saved, saved.contains("duplicate.acetaminophen"));
  }

  @Test
  public void assistantBadArgumentsAreConfigurationInvalid() {
    LocalLlmException e = expectLlmError(() -> LocalLlm.assistantAsk(null, "ko", null));
    assertEquals(LocalLlmException.Kind.ConfigurationInvalid, e.getKind());
    e = expectLlmError(() -> LocalLlm.assistantAsk("타이레놀", "fr", null));
    assertEquals(LocalLlmException.Kind.ConfigurationInvalid, e.getKind());
    e = expectLlmError(() -> LocalLlm.assistantAsk("타이레놀", "ko", "not json"));
    assertEquals(LocalLlmException.Kind.ConfigurationInvalid, e.getKind());
  }
}
