package dev.payments.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.problem.Problem;
import dev.payments.problem.ProblemMapper;
import jakarta.enterprise.context.ApplicationScoped;

/** Writes the answers operations store on their keys, as they will be replayed. */
@ApplicationScoped
public class Answers {

    private final ObjectMapper json;
    private final ProblemMapper problems;

    Answers(ObjectMapper json, ProblemMapper problems) {
        this.json = json;
        this.problems = problems;
    }

    /** 201 with the created resource and its Location. */
    public StoredKey.Answer created(Object body, String location) {
        return new StoredKey.Answer(201, write(body), location);
    }

    /** 200 with the changed resource. */
    public StoredKey.Answer ok(Object body) {
        return new StoredKey.Answer(200, write(body), null);
    }

    /** 202 with what was scheduled. */
    public StoredKey.Answer accepted(Object body) {
        return new StoredKey.Answer(202, write(body), null);
    }

    /** A problem that is the operation's outcome (a decline, a state error), replayed like a success. */
    public StoredKey.Answer problem(Problem problem) {
        return new StoredKey.Answer(problem.status(), problems.write(problem), null);
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize an answer", e);
        }
    }
}
