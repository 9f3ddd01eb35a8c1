package io.capstan.patch;

import static io.capstan.patch.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MergePatchTest {

    /** The examples of RFC 7386 Appendix A. */
    @ParameterizedTest(name = "{0} + {1} = {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "{'a':'b'}                 | {'a':'c'}                     | {'a':'c'}",
            "{'a':'b'}                 | {'b':'c'}                     | {'a':'b','b':'c'}",
            "{'a':'b'}                 | {'a':null}                    | {}",
            "{'a':'b','b':'c'}         | {'a':null}                    | {'b':'c'}",
            "{'a':['b']}               | {'a':'c'}                     | {'a':'c'}",
            "{'a':'c'}                 | {'a':['b']}                   | {'a':['b']}",
            "{'a':{'b':'c'}}           | {'a':{'b':'d','c':null}}      | {'a':{'b':'d'}}",
            "{'a':[{'b':'c'}]}         | {'a':[1]}                     | {'a':[1]}",
            "['a','b']                 | ['c','d']                     | ['c','d']",
            "{'a':'b'}                 | ['c']                         | ['c']",
            "{'a':'foo'}               | null                          | null",
            "{'a':'foo'}               | 'bar'                         | 'bar'",
            "{'e':null}                | {'a':1}                       | {'e':null,'a':1}",
            "[1,2]                     | {'a':'b','c':null}            | {'a':'b'}",
            "{}                        | {'a':{'bb':{'ccc':null}}}     | {'a':{'bb':{}}}"})
    void followsRfc7386Examples(String target, String patch, String expected) {
        assertThat(MergePatch.apply(json(target), json(patch))).isEqualTo(json(expected));
    }

    @Test
    void neverMutatesInputs() {
        JsonNode target = json("{'metadata':{'labels':{'a':'1','b':'2'}}}");
        JsonNode patch = json("{'metadata':{'labels':{'a':null,'c':'3'}}}");
        assertThat(MergePatch.apply(target, patch)).isEqualTo(json("{'metadata':{'labels':{'b':'2','c':'3'}}}"));
        assertThat(target).isEqualTo(json("{'metadata':{'labels':{'a':'1','b':'2'}}}"));
        assertThat(patch).isEqualTo(json("{'metadata':{'labels':{'a':null,'c':'3'}}}"));
    }
}
