package dev.payments.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * One whole SQL statement with named parameters ({@code :merchant_id}), kept as it is written so
 * that it reads, and runs in psql (after {@code \set merchant_id '''acme'''}), as one piece. JDBC
 * only knows positions: the text is turned once into its positional form, and each value is bound
 * to every position its name takes. A name bound that the statement lacks, or one it needs left
 * unbound, is refused at once: nothing shifts silently when a column is added.
 */
public final class Sql {

    private final String text;
    private final String positional;
    /** The parameter's name at each position (1-based in JDBC, 0-based here). */
    private final List<String> names;
    /** Each name once: what a statement's parameters must be, neither more nor fewer. */
    private final Set<String> distinctNames;

    private Sql(String text, String positional, List<String> names) {
        this.text = text;
        this.positional = positional;
        this.names = names;
        this.distinctNames = Set.copyOf(names);
    }

    /** The statement as written. {@code ::} (a cast) and text in quotes or comments are not parameters. */
    public static Sql of(String text) {
        StringBuilder positional = new StringBuilder(text.length());
        List<String> names = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\'' || c == '"') {
                int end = text.indexOf(c, i + 1);
                end = end < 0 ? text.length() : end + 1;
                positional.append(text, i, end);
                i = end;
            } else if (c == '-' && text.startsWith("--", i)) {
                int end = text.indexOf('\n', i);
                end = end < 0 ? text.length() : end;
                positional.append(text, i, end);
                i = end;
            } else if (c == ':' && text.startsWith("::", i)) {
                positional.append("::");
                i += 2;
            } else if (c == ':' && i + 1 < text.length() && isNameStart(text.charAt(i + 1))) {
                int end = i + 1;
                while (end < text.length() && isNamePart(text.charAt(end))) {
                    end++;
                }
                names.add(text.substring(i + 1, end));
                positional.append('?');
                i = end;
            } else if (c == '?') {
                throw new IllegalArgumentException("a statement names its parameters (:name), not ?: " + text);
            } else {
                positional.append(c);
                i++;
            }
        }
        return new Sql(text, positional.toString(), List.copyOf(names));
    }

    /** For a statement without parameters. */
    public static Parameters none() {
        return new Parameters();
    }

    /** The values of a statement's parameters, by name: {@code with("id", id).and("amount", 2500)}. */
    public static Parameters with(String name, Object value) {
        return new Parameters().and(name, value);
    }

    /**
     * The values of a statement that takes a column of values per parameter, one per row (an
     * array, which the statement reads with {@code unnest}): {@code columns(rows).text("ids", row -> row.id())}.
     */
    public static <R> Columns<R> columns(List<R> rows) {
        return new Columns<>(rows);
    }

    /** Columns of values by name, each one value per row, in the rows' order. */
    public static final class Columns<R> {
        private final List<R> rows;
        private final Parameters parameters = new Parameters();

        private Columns(List<R> rows) {
            this.rows = rows;
        }

        /** A text[] column (for text, uuid, jsonb and timestamptz columns: the statement casts it). */
        public Columns<R> text(String name, Function<? super R, ?> value) {
            parameters.and(name, rows.stream().map(value).map(v -> v == null ? null : v.toString()).toArray(String[]::new));
            return this;
        }

        /** A bigint[] column. */
        public Columns<R> bigint(String name, ToLongFunction<? super R> value) {
            parameters.and(name, rows.stream().mapToLong(value).toArray());
            return this;
        }

        /** An integer[] column. */
        public Columns<R> integer(String name, ToIntFunction<? super R> value) {
            parameters.and(name, rows.stream().mapToInt(value).toArray());
            return this;
        }

        /** A float8[] column. */
        public Columns<R> float8(String name, ToDoubleFunction<? super R> value) {
            parameters.and(name, rows.stream().mapToDouble(value).toArray());
            return this;
        }

        /** A value for the whole statement, after the columns. */
        public Parameters and(String name, Object value) {
            return parameters.and(name, value);
        }

        /** The columns, and nothing else. */
        public Parameters parameters() {
            return parameters;
        }
    }

    /** Values by name, in the order given. */
    public static final class Parameters {
        private final Map<String, Object> values = new LinkedHashMap<>();

        public Parameters and(String name, Object value) {
            if (values.containsKey(name)) {
                throw new IllegalArgumentException("parameter :" + name + " bound twice");
            }
            values.put(name, value);
            return this;
        }
    }

    /** The statement prepared on {@code connection}, every parameter bound by its name. */
    PreparedStatement prepare(Connection connection, Parameters parameters) throws SQLException {
        // checked on every execution, without allocating: each name bound, and nothing else
        for (String name : distinctNames) {
            if (!parameters.values.containsKey(name)) {
                throw new IllegalArgumentException("parameter :" + name + " is not bound in: " + text);
            }
        }
        if (parameters.values.size() != distinctNames.size()) {
            Set<String> unused = new HashSet<>(parameters.values.keySet());
            unused.removeAll(distinctNames);
            throw new IllegalArgumentException("parameters " + unused + " are not in: " + text);
        }
        PreparedStatement statement = connection.prepareStatement(positional);
        try {
            for (int position = 0; position < names.size(); position++) {
                statement.setObject(position + 1, jdbcValue(parameters.values.get(names.get(position))));
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    /** An Instant as timestamptz; everything else as the driver takes it. */
    private static Object jdbcValue(Object value) {
        return value instanceof Instant instant ? instant.atOffset(ZoneOffset.UTC) : value;
    }

    private static boolean isNameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }

    @Override
    public String toString() {
        return text;
    }
}
