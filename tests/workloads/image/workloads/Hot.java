// A hot loop the JIT compiles (C1, then C2), run by the source launcher (javac in process).
public class Hot {
    public static void main(String[] args) {
        long sum = 0;
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 1_000_000; i++) {
                sum += (i ^ round) % 7;
            }
        }
        System.out.println("sum=" + sum);
    }
}
