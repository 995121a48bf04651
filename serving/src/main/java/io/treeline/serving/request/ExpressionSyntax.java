package io.treeline.serving.request;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses the part of Spark SQL's expression grammar that request features use — numbers, columns
 * (plain or in backquotes), unary minus and plus, {@code + - * / %} with SQL's precedence,
 * parentheses, {@code CAST(e AS type)} and function calls — into a small tree, so a server reads a
 * model's request features without Spark's parser. Anything else is refused at the token where it
 * starts; what the tree may hold is {@link RequestExpressions}' to decide.
 */
final class ExpressionSyntax {
  sealed interface Node {
    /** The node as Spark writes it in its messages. */
    String sql();
  }

  record Number(String text, double value) implements Node {
    public String sql() {
      return text;
    }
  }

  record Column(String name) implements Node {
    public String sql() {
      return name.matches("[A-Za-z_][A-Za-z0-9_]*") ? name : "`" + name.replace("`", "``") + "`";
    }
  }

  record Negate(Node child) implements Node {
    public String sql() {
      return "(- " + child.sql() + ")";
    }
  }

  record Binary(char operator, Node left, Node right) implements Node {
    public String sql() {
      return "(" + left.sql() + " " + operator + " " + right.sql() + ")";
    }
  }

  /** A cast to {@code type} (lower case: int, bigint, decimal, ...), {@code precision} and {@code scale} for a decimal. */
  record Cast(Node child, String type, int precision, int scale) implements Node {
    public String sql() {
      String shown = type.equals("decimal") ? "DECIMAL(" + precision + "," + scale + ")" : type.toUpperCase(Locale.ROOT);
      return "CAST(" + child.sql() + " AS " + shown + ")";
    }
  }

  record Call(String function, List<Node> arguments) implements Node {
    public String sql() {
      return function + "(" + String.join(", ", arguments.stream().map(Node::sql).toList()) + ")";
    }
  }

  private final String sql;
  private int at;

  private ExpressionSyntax(String sql) {
    this.sql = sql;
  }

  /** The expression's tree; an {@link IllegalArgumentException} says where it stops parsing. */
  static Node parse(String sql) {
    ExpressionSyntax parser = new ExpressionSyntax(sql);
    Node node = parser.sum();
    parser.skipSpace();
    if (parser.at < sql.length()) {
      throw parser.unexpected();
    }
    return node;
  }

  private Node sum() {
    Node left = product();
    while (true) {
      skipSpace();
      char c = peek();
      if (c != '+' && c != '-') {
        return left;
      }
      at++;
      left = new Binary(c, left, product());
    }
  }

  private Node product() {
    Node left = unary();
    while (true) {
      skipSpace();
      char c = peek();
      if (c != '*' && c != '/' && c != '%') {
        return left;
      }
      at++;
      left = new Binary(c, left, unary());
    }
  }

  private Node unary() {
    skipSpace();
    if (peek() == '-') {
      at++;
      return new Negate(unary());
    }
    if (peek() == '+') {
      at++;
      return unary();
    }
    return primary();
  }

  private Node primary() {
    skipSpace();
    char c = peek();
    if (c == '(') {
      at++;
      Node inner = sum();
      expect(')');
      return inner;
    }
    if (Character.isDigit(c) || c == '.' && at + 1 < sql.length() && Character.isDigit(sql.charAt(at + 1))) {
      return number();
    }
    if (c == '`') {
      return new Column(quoted());
    }
    if (Character.isLetter(c) || c == '_') {
      String word = word();
      skipSpace();
      if (peek() == '(') {
        at++;
        return word.equalsIgnoreCase("cast") ? cast() : call(word);
      }
      StringBuilder name = new StringBuilder(word);
      while (peek() == '.') { // a qualified name, as Spark joins it
        at++;
        name.append('.').append(peek() == '`' ? quoted() : word());
      }
      return new Column(name.toString());
    }
    throw unexpected();
  }

  private Node cast() {
    Node child = sum();
    skipSpace();
    String as = Character.isLetter(peek()) ? word() : "";
    if (!as.equalsIgnoreCase("as")) {
      throw new IllegalArgumentException("CAST needs AS and a type at position " + at);
    }
    skipSpace();
    String type = word().toLowerCase(Locale.ROOT);
    int precision = 10;
    int scale = 0;
    skipSpace();
    if (peek() == '(') {
      at++;
      precision = integer();
      skipSpace();
      if (peek() == ',') {
        at++;
        scale = integer();
      }
      expect(')');
    }
    expect(')');
    return new Cast(child, switch (type) {
      case "byte" -> "tinyint";
      case "short" -> "smallint";
      case "integer" -> "int";
      case "long" -> "bigint";
      case "real" -> "float";
      case "dec", "numeric" -> "decimal";
      default -> type;
    }, precision, scale);
  }

  private Node call(String function) {
    List<Node> arguments = new ArrayList<>();
    skipSpace();
    if (peek() != ')') {
      arguments.add(sum());
      skipSpace();
      while (peek() == ',') {
        at++;
        arguments.add(sum());
        skipSpace();
      }
    }
    expect(')');
    return new Call(function, arguments);
  }

  /** A numeric literal with Spark's optional type suffix (L, S, Y, F, D, BD), its value as a double. */
  private Node number() {
    int start = at;
    while (at < sql.length() && (Character.isDigit(peek()) || peek() == '.')) {
      at++;
    }
    if (at < sql.length() && (peek() == 'e' || peek() == 'E')) {
      int mark = at++;
      if (peek() == '+' || peek() == '-') {
        at++;
      }
      if (!Character.isDigit(peek())) {
        at = mark;
      }
      while (Character.isDigit(peek())) {
        at++;
      }
    }
    String digits = sql.substring(start, at);
    String rest = sql.substring(at).toUpperCase(Locale.ROOT);
    for (String suffix : List.of("BD", "L", "S", "Y", "F", "D")) {
      if (rest.startsWith(suffix) && (rest.length() == suffix.length() || !Character.isLetterOrDigit(rest.charAt(suffix.length())))) {
        at += suffix.length();
        break;
      }
    }
    try {
      return new Number(sql.substring(start, at), Double.parseDouble(digits));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + digits + "' is not a number at position " + start);
    }
  }

  private int integer() {
    skipSpace();
    int start = at;
    while (Character.isDigit(peek())) {
      at++;
    }
    if (start == at) {
      throw unexpected();
    }
    return Integer.parseInt(sql.substring(start, at));
  }

  private String word() {
    int start = at;
    while (at < sql.length() && (Character.isLetterOrDigit(peek()) || peek() == '_')) {
      at++;
    }
    if (start == at) {
      throw unexpected();
    }
    return sql.substring(start, at);
  }

  private String quoted() {
    StringBuilder name = new StringBuilder();
    at++;
    while (at < sql.length()) {
      char c = sql.charAt(at++);
      if (c == '`') {
        if (peek() != '`') {
          return name.toString();
        }
        at++;
      }
      name.append(c);
    }
    throw new IllegalArgumentException("a backquoted name is not closed");
  }

  private void expect(char c) {
    skipSpace();
    if (peek() != c) {
      throw unexpected();
    }
    at++;
  }

  private void skipSpace() {
    while (at < sql.length() && Character.isWhitespace(sql.charAt(at))) {
      at++;
    }
  }

  private char peek() {
    return at < sql.length() ? sql.charAt(at) : '\0';
  }

  private IllegalArgumentException unexpected() {
    return new IllegalArgumentException(at >= sql.length() ? "it ends too soon" : "unexpected '" + sql.charAt(at) + "' at position " + at);
  }
}
