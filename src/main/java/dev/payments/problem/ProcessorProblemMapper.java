package dev.payments.problem;

import dev.payments.processor.ProcessorUnavailableException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The processor known to be down, before anything was stored: 503 with Retry-After. */
public class ProcessorProblemMapper {

    private final ProblemMapper problems;

    ProcessorProblemMapper(ProblemMapper problems) {
        this.problems = problems;
    }

    @ServerExceptionMapper
    public Response unavailable(ProcessorUnavailableException e) {
        return problems.toResponse(Problems.processorUnavailable());
    }
}
