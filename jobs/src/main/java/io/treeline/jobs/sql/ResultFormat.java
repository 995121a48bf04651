package io.treeline.jobs.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/** How {@code treeline sql} prints rows: an aligned table for people, JSON lines or CSV for scripts. */
public enum ResultFormat {
  TABLE {
    @Override
    void print(StructType schema, List<Row> rows, PrintStream out) {
      String[] names = schema.fieldNames();
      int[] widths = new int[names.length];
      List<String[]> cells = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        widths[i] = names[i].length();
      }
      for (Row row : rows) {
        String[] line = new String[names.length];
        for (int i = 0; i < names.length; i++) {
          line[i] = text(row.get(i));
          widths[i] = Math.max(widths[i], line[i].length());
        }
        cells.add(line);
      }
      StringBuilder rule = new StringBuilder("+");
      for (int width : widths) {
        rule.append("-".repeat(width + 2)).append('+');
      }
      out.println(rule);
      out.println(line(names, widths));
      out.println(rule);
      cells.forEach(line -> out.println(line(line, widths)));
      out.println(rule);
    }

    private String line(String[] values, int[] widths) {
      StringBuilder line = new StringBuilder("|");
      for (int i = 0; i < values.length; i++) {
        line.append(' ').append(values[i]).append(" ".repeat(widths[i] - values[i].length() + 1)).append('|');
      }
      return line.toString();
    }
  },

  JSON {
    @Override
    void print(StructType schema, List<Row> rows, PrintStream out) {
      ObjectMapper mapper = new ObjectMapper();
      for (Row row : rows) {
        Map<String, Object> object = new LinkedHashMap<>();
        for (int i = 0; i < schema.fields().length; i++) {
          Object value = row.get(i);
          object.put(schema.fields()[i].name(), value instanceof Number || value instanceof Boolean || value == null ? value : text(value));
        }
        try {
          out.println(mapper.writeValueAsString(object));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      }
    }
  },

  CSV {
    @Override
    void print(StructType schema, List<Row> rows, PrintStream out) {
      out.println(String.join(",", List.of(schema.fieldNames()).stream().map(ResultFormat::csvCell).toList()));
      for (Row row : rows) {
        List<String> cells = new ArrayList<>();
        for (int i = 0; i < schema.fields().length; i++) {
          cells.add(row.isNullAt(i) ? "" : csvCell(text(row.get(i))));
        }
        out.println(String.join(",", cells));
      }
    }
  };

  abstract void print(StructType schema, List<Row> rows, PrintStream out);

  static String text(Object value) {
    return value == null ? "NULL" : value.toString();
  }

  static String csvCell(String value) {
    boolean quote = value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r");
    return quote ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }
}
