package dev.payments.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.problem.Problem;
import dev.payments.problem.ProblemMapper;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Writes the answers operations store on their keys, as they are sent and will be replayed: the
 * same JSON as the resource itself would write.
 */
@ApplicationScoped
public class AnswerWriter {

    private final ObjectMapper json;
    private final ProblemMapper problems;

    AnswerWriter(ObjectMapper json, ProblemMapper problems) {
        this.json = json;
        this.problems = problems;
    }

    /** 201 with the created resource and its Location. */
    public StoredAnswer created(Object body, String location) {
        return new StoredAnswer(201, write(body), location);
    }

    /** 200 with the changed resource. */
    public StoredAnswer ok(Object body) {
        return new StoredAnswer(200, write(body), null);
    }

    /** 202 with what was scheduled. */
    public StoredAnswer accepted(Object body) {
        return new StoredAnswer(202, write(body), null);
    }

    /** A problem that is the operation's outcome (a decline, a state error), replayed like a success. */
    public StoredAnswer problem(Problem problem) {
        return new StoredAnswer(problem.status(), problems.write(problem), null);
    }

    /** JSON as stored in the database (an event's object, say). */
    public String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize an answer", e);
        }
    }
}
