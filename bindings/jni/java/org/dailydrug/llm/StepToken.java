package org.dailydrug.llm;

/** One token drawn by {@link LocalLlm#nextToken(LlmRequest)}. */
public final class StepToken {
  private final int id;
  private final String text;
  private final boolean endOfSequence;

  StepToken(int id, String text, boolean endOfSequence) {
    this.id = id;
    this.text = text;
    this.endOfSequence = endOfSequence;
  }

  /** The token id. */
  public int getId() {
    return id;
  }

  /**
   * The text this token completes: whole characters only, so it may be empty while a character
   * spans several tokens.
   */
  public String getText() {
    return text;
  }

  /** An end-of-sequence token: the model is done, and the token was not run into the cache. */
  public boolean isEndOfSequence() {
    return endOfSequence;
  }
}
