package org.dailydrug.llm;

/**
 * A typed failure of the local LLM. {@link Kind} mirrors DailyDrug's Kotlin {@code LocalLlmError}
 * subclasses one to one (same names, same fields), so the app can map it without guessing.
 *
 * <p>The raw fields are {@link #getSubject()}, {@link #getCauseText()}, {@link #getExpected()} and
 * {@link #getActual()}; which of them carry meaning depends on the kind, and the named getters
 * below ({@link #getModelPath()}, {@link #getTimeoutMs()}, ...) read them per kind:
 *
 * <table>
 *   <caption>Fields per kind</caption>
 *   <tr><th>Kind</th><th>Fields</th></tr>
 *   <tr><td>ModelLoadFailed</td><td>causeText</td></tr>
 *   <tr><td>ModelNotFound</td><td>modelPath</td></tr>
 *   <tr><td>ModelCorrupted</td><td>modelPath, causeText (what did not match)</td></tr>
 *   <tr><td>TokenizerNotInitialized</td><td>causeText</td></tr>
 *   <tr><td>TokenizerModelNotFound</td><td>tokenizerPath, causeText</td></tr>
 *   <tr><td>TokenizationFailed</td><td>details, causeText</td></tr>
 *   <tr><td>InsufficientMemory</td><td>requiredMb, availableMb</td></tr>
 *   <tr><td>GenerationTimeout</td><td>timeoutMs</td></tr>
 *   <tr><td>GenerationFailed</td><td>details, causeText</td></tr>
 *   <tr><td>InferenceNotInitialized</td><td>causeText</td></tr>
 *   <tr><td>AssetCopyFailed</td><td>assetName, causeText</td></tr>
 *   <tr><td>ConfigurationInvalid</td><td>configKey, causeText</td></tr>
 *   <tr><td>ContextLengthExceeded</td><td>maxLength, actualLength</td></tr>
 * </table>
 *
 * <p>A named getter asked on a kind that does not carry its field returns {@code null} (strings)
 * or 0 (numbers).
 */
public final class LocalLlmException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The thirteen kinds; {@link #code()} is the C API's error code (the C++ ErrorKind value). */
  public enum Kind {
    ModelLoadFailed(1),
    ModelNotFound(2),
    ModelCorrupted(3),
    TokenizerNotInitialized(4),
    TokenizerModelNotFound(5),
    TokenizationFailed(6),
    InsufficientMemory(7),
    GenerationTimeout(8),
    GenerationFailed(9),
    InferenceNotInitialized(10),
    AssetCopyFailed(11),
    ConfigurationInvalid(12),
    ContextLengthExceeded(13);

    private final int code;

    Kind(int code) {
      this.code = code;
    }

    public int code() {
      return code;
    }

    /** The kind of a C API code; an unknown code maps to {@link #GenerationFailed}. */
    public static Kind fromCode(int code) {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      return GenerationFailed;
    }
  }

  private final Kind kind;
  private final String subject;
  private final String causeText;
  private final long expected;
  private final long actual;

  /**
   * @param message one English line, shown to users after "LLM 처리 실패: "
   * @param subject model path / tokenizer path / details / asset name / config key, per kind
   * @param causeText the underlying reason
   * @param expected required MB / timeout ms / max length, per kind
   * @param actual available MB / actual length, per kind
   */
  public LocalLlmException(Kind kind, String message, String subject, String causeText,
      long expected, long actual) {
    super(message);
    this.kind = kind;
    this.subject = subject == null ? "" : subject;
    this.causeText = causeText == null ? "" : causeText;
    this.expected = expected;
    this.actual = actual;
  }

  /** Called by the native layer with the C API's code. */
  private LocalLlmException(int code, String message, String subject, String causeText,
      long expected, long actual) {
    this(Kind.fromCode(code), message, subject, causeText, expected, actual);
  }

  public Kind getKind() {
    return kind;
  }

  /** Path, details, asset name or config key, per kind; "" if none. */
  public String getSubject() {
    return subject;
  }

  /**
   * The underlying reason as text; "" if none. (Not {@link #getCause()}: that is Throwable's
   * chained exception, which native errors do not have.)
   */
  public String getCauseText() {
    return causeText;
  }

  /** Required MB, timeout ms or max length, per kind; 0 if none. */
  public long getExpected() {
    return expected;
  }

  /** Available MB or actual length, per kind; 0 if none. */
  public long getActual() {
    return actual;
  }

  /** ModelNotFound, ModelCorrupted. */
  public String getModelPath() {
    return subjectIf(Kind.ModelNotFound, Kind.ModelCorrupted);
  }

  /** TokenizerModelNotFound. */
  public String getTokenizerPath() {
    return subjectIf(Kind.TokenizerModelNotFound);
  }

  /** TokenizationFailed, GenerationFailed. */
  public String getDetails() {
    return subjectIf(Kind.TokenizationFailed, Kind.GenerationFailed);
  }

  /** AssetCopyFailed. */
  public String getAssetName() {
    return subjectIf(Kind.AssetCopyFailed);
  }

  /** ConfigurationInvalid: the config key or argument name ("temperature", "top_p", ...). */
  public String getConfigKey() {
    return subjectIf(Kind.ConfigurationInvalid);
  }

  /** InsufficientMemory. */
  public long getRequiredMb() {
    return kind == Kind.InsufficientMemory ? expected : 0;
  }

  /** InsufficientMemory. */
  public long getAvailableMb() {
    return kind == Kind.InsufficientMemory ? actual : 0;
  }

  /** GenerationTimeout: the limit that was exceeded. */
  public long getTimeoutMs() {
    return kind == Kind.GenerationTimeout ? expected : 0;
  }

  /** ContextLengthExceeded: the context limit in tokens. */
  public long getMaxLength() {
    return kind == Kind.ContextLengthExceeded ? expected : 0;
  }

  /** ContextLengthExceeded: the prompt's length in tokens. */
  public long getActualLength() {
    return kind == Kind.ContextLengthExceeded ? actual : 0;
  }

  private String subjectIf(Kind... kinds) {
    for (Kind k : kinds) {
      if (kind == k) {
        return subject;
      }
    }
    return null;
  }
}
