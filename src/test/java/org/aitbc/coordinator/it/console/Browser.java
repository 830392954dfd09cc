package org.aitbc.coordinator.it.console;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.aitbc.coordinator.it.support.Api;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Chromium for a test class (started once: a browser costs seconds), driven through
 * Debian's chromedriver so that Selenium never downloads a driver. Downloads land in a folder of
 * their own under target/, screenshots under target/console-screenshots/.
 */
final class Browser implements AutoCloseable {
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    final WebDriver driver;
    final Path downloads;

    Browser(String name) throws IOException {
        downloads = Files.createDirectories(Path.of("target", "console-downloads", name))
                .toAbsolutePath();
        Files.createDirectories(SCREENSHOTS);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(System.getProperty("it.chromium", "/usr/bin/chromium"));
        o.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1280,1000");
        o.setExperimentalOption(
                "prefs",
                Map.of(
                        "download.default_directory", downloads.toString(),
                        "download.prompt_for_download", false,
                        "safebrowsing.enabled", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(System.getProperty("it.chromedriver", "/usr/bin/chromedriver")))
                .build();
        driver = new ChromeDriver(service, o);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    void open(String fragment) {
        driver.get(Api.BASE + "/console/" + fragment);
    }

    /** Signs in through the form, as a person would. */
    void signIn(String key) {
        signOut();
        // A fresh document each time (a query the console ignores), so no state of the last test stays.
        driver.get(Api.BASE + "/console/?fresh=" + System.nanoTime() + "#/signin");
        WebElement input = await(By.id("api-key"));
        input.sendKeys(key);
        driver.findElement(By.id("sign-in")).click();
        await(d -> d.findElement(By.id("nav")).isDisplayed());
    }

    void signOut() {
        if (driver.getCurrentUrl().startsWith(Api.BASE)) {
            js("sessionStorage.clear()");
        }
    }

    /** Goes to a page of the console without reloading it (a fragment change). */
    void go(String fragment) {
        js("location.hash = arguments[0]", fragment);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    WebElement await(By by) {
        return await(d -> {
            List<WebElement> found = d.findElements(by);
            return found.isEmpty() ? null : found.get(0);
        });
    }

    <T> T await(Function<WebDriver, T> condition) {
        // Pages replace what they show as data arrives: an element found a moment ago may be gone.
        return new WebDriverWait(driver, Duration.ofSeconds(20), Duration.ofMillis(100))
                .ignoring(StaleElementReferenceException.class)
                .until(condition::apply);
    }

    String text(By by) {
        return await(by).getText();
    }

    void screenshot(String name) {
        try {
            // Let charts and the last event settle before the picture.
            Thread.sleep(300);
            File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("screenshot " + name + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for a finished download of that name (Chromium writes .crdownload first). */
    Path awaitDownload(String name) {
        Path file = downloads.resolve(name);
        return await(d -> Files.isRegularFile(file)
                        && !Files.exists(downloads.resolve(name + ".crdownload"))
                        && file.toFile().length() > 0
                ? file
                : null);
    }

    @Override
    public void close() {
        driver.quit();
    }
}
