package org.aitbc.coordinator.application;

import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Account;
import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.security.Ids;
import org.aitbc.coordinator.infrastructure.security.LogText;

/**
 * Accounts and their API keys. A key is returned once, at creation, and only its hash is kept.
 * The first admin key is not an account: it comes from {@code AITBC_ADMIN_KEY}.
 */
@Stateless
public class AccountService {
    private static final Logger LOG = Logger.getLogger(AccountService.class.getName());
    /** The account id under which the configured admin key acts. */
    public static final String CONFIGURED_ADMIN_ID = "admin";

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    CoordinatorConfig config;

    /** A new account and its key, in the clear for this one answer. */
    public record Created(Account account, String apiKey) {}

    public Created create(Role role, Plan plan, String name) {
        String key = Ids.apiKey();
        String prefix = switch (role) {
            case CLIENT -> "client_";
            case MINER -> "miner_";
            case ADMIN -> "admin_";
        };
        Account account = new Account(Ids.random(prefix, 16), name, role, plan, Ids.sha256Hex(key), Instant.now());
        em.persist(account);
        LOG.info(() -> "created " + role.wire() + " account " + account.getId() + " (" + LogText.of(name) + ")");
        return new Created(account, key);
    }

    public Account revoke(String id) {
        Account account = em.find(Account.class, id);
        if (account == null) {
            throw new CoordinatorException(Kind.NOT_FOUND, "ACCOUNT_NOT_FOUND", "no account " + id);
        }
        account.revoke(Instant.now());
        int unsent = webhooks.revoked(account);
        LOG.info(() -> "revoked account " + id + (unsent == 0 ? "" : "; " + unsent + " webhook deliveries not sent"));
        return account;
    }

    @Inject
    Budgets budgets;

    @jakarta.ejb.EJB
    WebhookService webhooks;

    /** A client account after its budget was set, with its month. */
    public record BudgetSet(Account account, Budgets.Month month) {}

    /** Sets a client account's own monthly budget (null: back to its plan's default). */
    public BudgetSet setBudget(String id, java.math.BigDecimal monthly) {
        Account account = em.find(Account.class, id);
        if (account == null) {
            throw new CoordinatorException(Kind.NOT_FOUND, "ACCOUNT_NOT_FOUND", "no account " + id);
        }
        if (account.getRole() != Role.CLIENT) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "INVALID_STATE",
                    "account " + id + " is not a client account; only clients have budgets");
        }
        account.setMonthlyBudget(monthly);
        LOG.info(() -> "monthly budget of account " + id + " set to " + (monthly == null ? "its plan's" : monthly));
        return new BudgetSet(account, budgets.month(account.getId(), account.getPlan(), Instant.now()));
    }

    public Optional<Account> find(String id) {
        return Optional.ofNullable(em.find(Account.class, id));
    }

    public List<Account> list() {
        return em.createQuery("SELECT a FROM Account a ORDER BY a.createdMs", Account.class)
                .setMaxResults(10_000)
                .getResultList();
    }

    /** The caller a key belongs to, or empty when the key is unknown or revoked. */
    public Optional<Caller> authenticate(String apiKey) {
        String hash = Ids.sha256Hex(apiKey);
        Optional<String> admin = config.adminKey();
        if (admin.isPresent()
                && MessageDigest.isEqual(
                        hash.getBytes(StandardCharsets.US_ASCII),
                        Ids.sha256Hex(admin.get()).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of(new Caller(CONFIGURED_ADMIN_ID, "configured admin", Role.ADMIN, null, hash));
        }
        List<Account> found = em.createQuery("SELECT a FROM Account a WHERE a.keyHash = :h", Account.class)
                .setParameter("h", hash)
                .getResultList();
        if (found.isEmpty() || found.get(0).isRevoked()) {
            return Optional.empty();
        }
        Account a = found.get(0);
        return Optional.of(new Caller(a.getId(), a.getName(), a.getRole(), a.getPlan(), hash));
    }
}
